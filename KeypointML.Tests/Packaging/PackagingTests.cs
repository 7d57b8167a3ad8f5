using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using KeypointML.Models;
using KeypointML.Preprocessing;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// dotnet pack of KeypointML and KeypointML.Models, then a stand-alone console app restored from the packed packages
/// that opens a shipped model by name and runs one prediction. One pack and one consumer build serve all tests here.
/// </summary>
[TestFixture, Category("Packaging"), NonParallelizable]
public sealed class PackagingTests
{
    private const string ModelName = "tiny-nose";
    private const float Grey = 255f;

    private static readonly KeypointModelMetadata Metadata = new()
    {
        Name = ModelName,
        InputHeight = 24,
        InputWidth = 20,
        KeypointCount = 1,
        OutputKind = KeypointOutputKind.Coordinates,
        TrainingData = "none: written by the packaging test",
    };

    private PackedPackages packages = null!;
    private ConsumerApp consumer = null!;

    [OneTimeSetUp]
    public void PackAndBuildConsumer()
    {
        packages = PackedPackages.Create(models =>
        {
            TinyKeypointModel.Write(Path.Combine(models, ModelName + ".onnx"), Metadata);
            File.WriteAllText(Path.Combine(models, ModelName + ".md"), "# tiny-nose\nA test model: mean grey times weights plus bias.\n");
        });
        consumer = ConsumerApp.Build(packages);
    }

    [OneTimeTearDown]
    public void DeleteTempFolder() => packages?.Dispose();

    [Test]
    public void Models_package_holds_models_cards_and_copy_targets_and_depends_on_the_same_library_version()
    {
        using var zip = ZipFile.OpenRead(packages.ModelsPackage);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Does.Contain($"models/{ModelName}.onnx"));
        Assert.That(entries, Does.Contain($"models/{ModelName}.md"));
        Assert.That(entries, Does.Contain("buildTransitive/KeypointML.Models.targets"));
        Assert.That(entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)), Is.Empty, "the models package carries no code");

        var dependency = Nuspec(zip).Descendants().Single(e => e.Name.LocalName == "dependency");
        Assert.That(dependency.Attribute("id")?.Value, Is.EqualTo("KeypointML"));
        Assert.That(dependency.Attribute("version")?.Value, Is.EqualTo(packages.Version));
    }

    [Test]
    public void Library_package_holds_the_assembly_and_no_models()
    {
        using var zip = ZipFile.OpenRead(packages.LibraryPackage);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Does.Contain("lib/net10.0/KeypointML.dll"));
        Assert.That(entries.Where(e => e.EndsWith(".onnx", StringComparison.Ordinal)), Is.Empty, "models are KeypointML.Models' job");
    }

    [Test]
    public void Consumer_opens_the_shipped_model_by_name_and_predicts()
    {
        var run = consumer.Run(ModelName, Grey.ToString(CultureInfo.InvariantCulture));
        TestContext.Out.WriteLine(run.Both);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Both);

        var lines = Facts(run.StdOut);
        Assert.That(lines["names"], Is.EqualTo(ModelName));
        Assert.That(lines["path"], Is.EqualTo(Path.Combine(consumer.OutputFolder, ShippedModels.FolderName, ModelName + ".onnx")));
        Assert.That(lines["model"], Is.EqualTo($"{ModelName} 24x20 1 keypoints Coordinates"));

        float[] output = lines["output"].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        float[] expected = TinyKeypointModel.ExpectedOutput(Metadata, GrayscaleNormalization.Normalize(Grey));
        Assert.That(output, Is.EqualTo(expected).Within(1e-5f));
    }

    [Test]
    public void Consumer_asking_for_an_unknown_model_is_told_the_available_names()
    {
        var run = consumer.Run("ibug99-nonexistent", "0");
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Both);
        Assert.That(run.StdErr, Does.Contain("'ibug99-nonexistent'").And.Contain($"Available: {ModelName}."));
    }

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    /// <summary>The consumer's "key: value" lines.</summary>
    private static Dictionary<string, string> Facts(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(": ", 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
}
