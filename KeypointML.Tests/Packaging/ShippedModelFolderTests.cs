using KeypointML.Models;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Packaging;

/// <summary>Name resolution and its error messages, on plain folders (no packing).</summary>
public sealed class ShippedModelFolderTests
{
    [Test]
    public void Names_are_the_onnx_files_sorted_and_a_name_resolves_to_its_file()
    {
        using var temp = new TempFolder();
        foreach (var name in new[] { "imm-nose", "ibug68-heatmap", "imm-face58" })
            File.WriteAllBytes(Path.Combine(temp.Path, name + ".onnx"), [1]);
        temp.WriteLines("imm-nose.md", ["# card"]);
        var folder = new ShippedModelFolder(temp.Path, "test");

        Assert.That(folder.Names, Is.EqualTo(new[] { "ibug68-heatmap", "imm-face58", "imm-nose" }));
        Assert.That(folder.Path("imm-face58"), Is.EqualTo(Path.Combine(temp.Path, "imm-face58.onnx")));
    }

    [Test]
    public void An_unknown_name_lists_the_available_names()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "imm-nose.onnx"), [1]);
        File.WriteAllBytes(Path.Combine(temp.Path, "imm-face58.onnx"), [1]);

        var e = Assert.Throws<FileNotFoundException>(() => new ShippedModelFolder(temp.Path, "test").Path("imm-nos"));
        Assert.That(e!.Message, Does.Contain("'imm-nos'").And.Contain("Available: imm-face58, imm-nose."));
    }

    [Test]
    public void A_missing_folder_says_to_add_the_models_package()
    {
        string missing = Path.Combine(Path.GetTempPath(), "keypointml-no-models-" + Guid.NewGuid().ToString("N"));
        var folder = new ShippedModelFolder(missing, "next to the application");

        Assert.That(folder.Names, Is.Empty);
        var e = Assert.Throws<FileNotFoundException>(() => folder.Path("imm-nose"));
        Assert.That(e!.Message, Does.Contain("dotnet add package KeypointML.Models.imm-nose").And.Contain(missing).And.Contain(ShippedModels.FolderVariable));
    }

    [TestCase("../imm-nose")]
    [TestCase("models/imm-nose")]
    [TestCase("..")]
    public void A_path_is_not_a_name(string name)
    {
        using var temp = new TempFolder();
        Assert.Throws<ArgumentException>(() => new ShippedModelFolder(temp.Path, "test").Path(name));
    }

    [Test, NonParallelizable] // sets a process-wide environment variable
    public void The_variable_chooses_the_folder()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "imm-nose.onnx"), [1]);
        string? before = Environment.GetEnvironmentVariable(ShippedModels.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, temp.Path);
            Assert.That(ShippedModels.Names, Is.EqualTo(new[] { "imm-nose" }));
            Assert.That(ShippedModels.Path("imm-nose"), Is.EqualTo(Path.Combine(temp.Path, "imm-nose.onnx")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, before);
        }
    }
}
