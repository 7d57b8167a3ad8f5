using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;
using Microsoft.ML;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// dotnet pack of KeypointML, the model packages KeypointML.Models.imm-nose and KeypointML.Models.blazeface-front (the real
/// models and cards) and the bundle KeypointML.Models, then a stand-alone console app restored from the packed packages
/// that opens the model by name and runs one prediction through the ML.NET pipeline on a real IMM image, checked against
/// the same pipeline run here. One pack and one consumer build
/// serve all tests here.
/// </summary>
[TestFixture, Category("Packaging"), NonParallelizable]
public sealed class PackagingTests
{
    /// <summary>The smallest shipped model (2.4 MB): packing the real thing costs no more than a made-up one.</summary>
    private const string ModelName = "imm-nose";

    /// <summary>A second model package (the 0.4 MB detector) the consumer references but does not choose.</summary>
    private const string OtherModel = "blazeface-front";

    /// <summary>A validation face (person 33, frontal), so the model never saw it in training.</summary>
    private const string Image = "33-1m";

    /// <summary>IMM point 52, the nose tip, which imm-nose predicts.</summary>
    private const int NoseTip = 52;

    private PackedPackages packages = null!;
    private ConsumerApp consumer = null!;

    private static string RepositoryModel(string extension) => Path.Combine(RepositoryFiles.Root(), "models", ModelName + extension);

    [OneTimeSetUp]
    public void PackAndBuildConsumer()
    {
        // Two model packages; the consumer references both and names one (KeypointModel item), so only that one may be copied.
        packages = PackedPackages.Create([ModelName, OtherModel], models =>
        {
            foreach (var name in new[] { ModelName, OtherModel })
                foreach (var extension in new[] { ".onnx", ".md" })
                    File.Copy(Path.Combine(RepositoryFiles.Root(), "models", name + extension), Path.Combine(models, name + extension));
        });
        consumer = ConsumerApp.Build(packages);
    }

    [OneTimeTearDown]
    public void DeleteTempFolder() => packages?.Dispose();

    [Test]
    public void A_model_package_holds_its_model_card_licence_and_copy_targets_and_depends_on_the_same_library_version()
    {
        using var zip = ZipFile.OpenRead(packages.ModelPackage(ModelName));
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Is.SupersetOf(new[] { $"models/{ModelName}.onnx", $"models/{ModelName}.md", "README.md", "LICENCE.md",
            $"buildTransitive/KeypointML.Models.{ModelName}.targets" }));
        Assert.That(entries.Count(e => e.StartsWith("models/", StringComparison.Ordinal)), Is.EqualTo(2), "this model and its card only");
        Assert.That(entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)), Is.Empty, "a model package carries no code");
        using (var readme = new StreamReader(zip.GetEntry("README.md")!.Open()))
            Assert.That(readme.ReadToEnd(), Is.EqualTo(File.ReadAllText(RepositoryModel(".md"))), "the package README is the model card");

        var nuspec = Nuspec(zip);
        var dependency = nuspec.Descendants().Single(e => e.Name.LocalName == "dependency");
        Assert.That(dependency.Attribute("id")?.Value, Is.EqualTo("KeypointML"));
        Assert.That(dependency.Attribute("version")?.Value, Is.EqualTo(packages.Version));
        Assert.That(Element(nuspec, "license").Value, Is.EqualTo("LICENCE.md"), "IMM's terms travel as a file");
        Assert.That(Element(nuspec, "description").Value, Does.Contain("education and research"));

        using var detector = ZipFile.OpenRead(packages.ModelPackage(OtherModel));
        var license = Element(Nuspec(detector), "license");
        Assert.That((license.Attribute("type")?.Value, license.Value), Is.EqualTo(("expression", "Apache-2.0")), "the detector's own licence, as an SPDX expression");
    }

    [Test]
    public void The_bundle_depends_on_every_model_package_of_the_repository_and_holds_no_model()
    {
        using var zip = ZipFile.OpenRead(packages.BundlePackage);
        Assert.That(zip.Entries.Select(e => e.FullName).Where(e => e.EndsWith(".onnx", StringComparison.Ordinal)), Is.Empty);
        var dependencies = Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
        var expected = Directory.GetDirectories(Path.Combine(RepositoryFiles.Root(), "KeypointML.Models", "packages"))
            .Select(d => "KeypointML.Models." + Path.GetFileName(d)).Append("KeypointML").ToList();
        TestContext.Out.WriteLine(string.Join(", ", dependencies.Keys));
        Assert.That(dependencies.Keys, Is.EquivalentTo(expected));
        Assert.That(dependencies.Values, Has.All.EqualTo(packages.Version));
        Assert.That(expected, Has.Count.EqualTo(Directory.GetFiles(Path.Combine(RepositoryFiles.Root(), "models"), "*.onnx").Length + 1),
            "a package for every shipped model");
    }

    [Test]
    public void Library_package_holds_the_assembly_its_documentation_and_no_models()
    {
        using var zip = ZipFile.OpenRead(packages.LibraryPackage);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Does.Contain("lib/net10.0/KeypointML.dll"));
        Assert.That(entries, Does.Contain("lib/net10.0/KeypointML.xml"), "IntelliSense text for NuGet users");
        Assert.That(entries, Does.Contain("buildTransitive/KeypointML.targets"), "keeps iOS/Android natives out of portable builds");
        Assert.That(File.Exists(Path.ChangeExtension(packages.LibraryPackage, ".snupkg")), Is.True, "a symbols package beside it");
        using (var docs = new StreamReader(zip.GetEntry("lib/net10.0/KeypointML.xml")!.Open()))
            Assert.That(docs.ReadToEnd(), Does.Contain("M:KeypointML.Models.KeypointModel.Open"));
        Assert.That(entries.Where(e => e.EndsWith(".onnx", StringComparison.Ordinal)), Is.Empty, "models are the model packages' job");
    }

    [Test]
    public void Consumer_opens_the_shipped_model_by_name_and_predicts_as_the_library_does_in_process()
    {
        string image = DataFixtures.ImmJpg(Image);
        var run = consumer.Run(ModelName, image);
        TestContext.Out.WriteLine(run.Both);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Both);

        var lines = Facts(run.StdOut);
        Assert.That(lines["names"], Is.EqualTo(ModelName));
        Assert.That(Directory.GetFiles(Path.Combine(consumer.OutputFolder, ShippedModels.FolderName)).Select(Path.GetFileName),
            Is.EqualTo(new[] { ModelName + ".onnx" }), "the consumer chose one model (<KeypointModel Include=...>): only it is copied");
        Assert.That(lines["path"], Is.EqualTo(Path.Combine(consumer.OutputFolder, ShippedModels.FolderName, ModelName + ".onnx")));
        Assert.That(File.ReadAllBytes(lines["path"]), Is.EqualTo(File.ReadAllBytes(RepositoryModel(".onnx"))), "the packed model is the repository's");
        Assert.That(lines["model"], Is.EqualTo($"{ModelName} 60x80 1 keypoints Coordinates"));

        // The same pipeline in this process, on the repository's model file: DetectKeypoints on the whole image.
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new ImagePathRow { ImagePath = image } });
        float[] expected = LibraryPipeline.Column(LibraryPipeline.Score(ml, RepositoryModel(".onnx"), data, box: null), "Keypoints").Single();
        TestContext.Out.WriteLine("in-process: " + string.Join(",", expected.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

        Assert.That(Floats(lines["keypoints"]), Is.EqualTo(expected).Within(1e-4f), "pixel coordinates of the original image");
        Assert.That(Floats(lines["reloaded"]), Is.EqualTo(expected).Within(1e-4f), "the pipeline saved and loaded again (RegisterKeypointComponents)");

        // And the prediction is a nose tip: IMM's models are off by 19 px on average, 74 px at worst (a turned head).
        var label = KeypointDatasets.Load(ml, KeypointDatasets.ImmValidation).Rows.Single(r => Path.GetFileNameWithoutExtension(r.ImagePath) == Image).Keypoints;
        double error = Math.Sqrt(Math.Pow(expected[0] - label[2 * NoseTip], 2) + Math.Pow(expected[1] - label[2 * NoseTip + 1], 2));
        TestContext.Out.WriteLine($"labelled nose tip {label[2 * NoseTip]}, {label[2 * NoseTip + 1]}: {error:F1} px off");
        Assert.That(error, Is.LessThan(48), "within a tenth of the 480 px image height of the labelled nose tip");
    }

    [Test]
    public void Consumer_gets_ONNX_Runtime_and_Skia_natives_for_linux_windows_and_macos_and_no_CUDA_libraries()
    {
        var linux = Directory.GetFiles(consumer.OutputFolder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.That(linux, Has.None.Contains("providers_cuda"), "the CPU build of ONNX Runtime: no CUDA provider in the output");
        Assert.That(linux, Has.Some.EqualTo("libonnxruntime.so"));
        Assert.That(linux.Where(f => f!.EndsWith(".aar", StringComparison.Ordinal) || f.Contains("xcframework") || f.EndsWith(".dbg", StringComparison.Ordinal)),
            Is.Empty, "a portable build gets no iOS/Android natives and no native debug symbols (KeypointML's buildTransitive targets)");
        var sizes = new List<string>
        {
            $"restore (every package's .nupkg): {consumer.RestoreDownloadBytes() / 1048576.0:F0} MiB",
            $"build output (linux-x64 and the other runtimes' natives): {ConsumerApp.FolderBytes(consumer.OutputFolder) / 1048576.0:F0} MiB",
        };
        foreach (var (runtime, natives) in new[]
        {
            ("linux-x64", new[] { "libonnxruntime.so", "libSkiaSharp.so" }),
            ("win-x64", new[] { "onnxruntime.dll", "libSkiaSharp.dll" }),
            ("osx-arm64", new[] { "libonnxruntime.dylib", "libSkiaSharp.dylib" }),
        })
        {
            var published = consumer.Publish(runtime);
            var files = Directory.GetFiles(published, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.That(files, Is.SupersetOf(natives), $"{runtime}: the native libraries the library needs");
            Assert.That(files, Has.None.Contains("providers_cuda"), $"{runtime}: no CUDA provider");
            sizes.Add($"publish -r {runtime}: {ConsumerApp.FolderBytes(published) / 1048576.0:F0} MiB");
        }
        TestContext.Out.WriteLine(string.Join("\n", sizes));
    }

    [Test]
    public void Consumer_asking_for_an_unknown_model_is_told_the_available_names()
    {
        var run = consumer.Run("ibug99-nonexistent", DataFixtures.ImmJpg(Image));
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Both);
        Assert.That(run.StdErr, Does.Contain("'ibug99-nonexistent'").And.Contain($"Available: {ModelName}."));
    }

    [Test]
    public void Choosing_a_model_no_referenced_package_holds_fails_the_build_with_the_names_they_hold()
    {
        var build = consumer.BuildChoosing("ibug99-nonexistent");
        Assert.That(build.ExitCode, Is.Not.EqualTo(0), build.Both);
        Assert.That(build.StdOut, Does.Contain("KeypointModel 'ibug99-nonexistent' is in none of the referenced model packages")
            .And.Contain($"{ModelName}, {OtherModel}").Or.Contain($"{OtherModel}, {ModelName}"));
    }

    private static float[] Floats(string csv) => csv.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static XElement Element(XDocument nuspec, string name) => nuspec.Descendants().Single(e => e.Name.LocalName == name);

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

    private sealed class ImagePathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
