using KeypointML.Tests.Data;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// Packs KeypointML and KeypointML.Models from this repository into a fresh local folder feed, the models package
/// holding the models a test puts in <see cref="ModelsDir"/> (-p:KeypointModelsDir). Everything lives under one
/// temp folder: the build output (--artifacts-path, so the repository's bin/obj are not touched), the feed, and a
/// package folder for consumers (so test versions never land in the machine's NuGet cache).
/// </summary>
internal sealed class PackedPackages : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromSeconds(120);

    private PackedPackages(string root, string version)
    {
        Root = root;
        Version = version;
    }

    public string Root { get; }

    /// <summary>A version no earlier run used, so no NuGet cache anywhere can hold a stale copy.</summary>
    public string Version { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string ModelsDir => Path.Combine(Root, "models");

    public string LibraryPackage => Path.Combine(Feed, $"KeypointML.{Version}.nupkg");

    public string ModelsPackage => Path.Combine(Feed, $"KeypointML.Models.{Version}.nupkg");

    /// <summary>Packs both packages; <paramref name="writeModels"/> fills <see cref="ModelsDir"/> first.</summary>
    public static PackedPackages Create(Action<string> writeModels)
    {
        string root = Path.Combine(Path.GetTempPath(), "keypointml-pack-tests-" + Guid.NewGuid().ToString("N"));
        var packed = new PackedPackages(root, $"0.0.1-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
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
        // The models project references the library, so this restores and builds both; the library pack then only packs.
        DotnetCommand.Run(repo, PackTimeout, ["pack", "KeypointML.Models/KeypointML.Models.csproj", $"-p:KeypointModelsDir={ModelsDir}", .. common]);
        DotnetCommand.Run(repo, PackTimeout, ["pack", "KeypointML/KeypointML.csproj", "--no-restore", .. common]);
    }

    /// <summary>The folder holding KeypointML.sln, found upwards from the test assembly.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}
