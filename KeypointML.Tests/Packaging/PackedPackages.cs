using KeypointML.Tests.Data;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// Packs KeypointML, the one-model packages KeypointML.Models.NAME of the models a test puts in <see cref="ModelsDir"/>
/// (-p:KeypointModelsDir) and the bundle KeypointML.Models from this repository into a fresh local folder feed. Everything lives under one
/// temp folder: the build output (--artifacts-path, so the repository's bin/obj are not touched), the feed, and a
/// package folder for consumers (so test versions never land in the machine's NuGet cache).
/// </summary>
internal sealed class PackedPackages : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromSeconds(120);

    private PackedPackages(string root, string version, IReadOnlyList<string> models)
    {
        Root = root;
        Version = version;
        Models = models;
    }

    /// <summary>The models packed, each into its own package.</summary>
    public IReadOnlyList<string> Models { get; }

    public string Root { get; }

    /// <summary>A version no earlier run used, so no NuGet cache anywhere can hold a stale copy.</summary>
    public string Version { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string ModelsDir => Path.Combine(Root, "models");

    public string LibraryPackage => Path.Combine(Feed, $"KeypointML.{Version}.nupkg");

    /// <summary>The bundle: no files, a dependency on every model package of the repository.</summary>
    public string BundlePackage => Path.Combine(Feed, $"KeypointML.Models.{Version}.nupkg");

    /// <summary>The package of one model.</summary>
    public string ModelPackage(string model) => Path.Combine(Feed, $"KeypointML.Models.{model}.{Version}.nupkg");

    /// <summary>Packs the library, a package for each of <paramref name="models"/> and the bundle; <paramref name="writeModels"/>
    /// fills <see cref="ModelsDir"/> with their NAME.onnx and NAME.md first.</summary>
    public static PackedPackages Create(IReadOnlyList<string> models, Action<string> writeModels)
    {
        string root = Path.Combine(Path.GetTempPath(), "keypointml-pack-tests-" + Guid.NewGuid().ToString("N"));
        var packed = new PackedPackages(root, $"0.0.1-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}", models);
        try
        {
            Directory.CreateDirectory(packed.ModelsDir);
            writeModels(packed.ModelsDir);
            packed.Pack();
            return packed;
        }
        catch
        {
            packed.Dispose();
            throw;
        }
    }

    private void Pack()
    {
        // Build servers would outlive the command and hold its output pipes open.
        string[] common = ["-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(Root, "artifacts"),
            $"-p:Version={Version}", "--disable-build-servers"];
        string repo = RepositoryFiles.Root();
        // A model project references the library, so the first pack restores and builds both; the library pack then only packs.
        foreach (var model in Models)
            DotnetCommand.Run(repo, PackTimeout, ["pack", $"KeypointML.Models/packages/{model}/KeypointML.Models.{model}.csproj", $"-p:KeypointModelsDir={ModelsDir}", .. common]);
        DotnetCommand.Run(repo, PackTimeout, ["pack", "KeypointML/KeypointML.csproj", "--no-restore", .. common]);
        // The bundle's nuspec only (its dependencies are every model project; their packages are not needed for it).
        DotnetCommand.Run(repo, PackTimeout, ["pack", "KeypointML.Models/KeypointML.Models.csproj", .. common]);
    }

    /// <summary>The folder holding KeypointML.sln, found upwards from the test assembly.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}
