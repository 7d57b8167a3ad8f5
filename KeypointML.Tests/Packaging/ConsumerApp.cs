using KeypointML.Tests.Data;
namespace KeypointML.Tests.Packaging;

/// <summary>
/// The application in Consumer/ built against packed packages from a local folder feed only, as a customer's would be.
/// Its restore is offline: the feed for KeypointML*, and the machine's NuGet cache, read-only as a fallback folder,
/// for their dependencies; packages it extracts go to a folder of its own.
/// </summary>
internal sealed class ConsumerApp
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private ConsumerApp(string folder) => Folder = folder;

    public string Folder { get; }

    public string OutputFolder => Path.Combine(Folder, "bin", "Release", "net10.0");

    public static ConsumerApp Build(PackedPackages packages)
    {
        var app = new ConsumerApp(Path.Combine(packages.Root, "consumer")) { Version = packages.Version };
        Directory.CreateDirectory(app.Folder);
        string template = Path.Combine(TestContext.CurrentContext.TestDirectory, "Packaging", "Consumer");
        foreach (var file in Directory.GetFiles(template))
            File.Copy(file, Path.Combine(app.Folder, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(app.Folder, "nuget.config"), NuGetConfig(packages.Feed, Path.Combine(packages.Root, "packages"), MachinePackageCache()));

        DotnetCommand.Run(app.Folder, BuildTimeout, "build", "-c", "Release", $"-p:KeypointMLVersion={packages.Version}", "--disable-build-servers");
        return app;
    }

    /// <summary>Publishes the consumer for <paramref name="runtime"/> (framework-dependent, no app host: nothing beyond the
    /// packages is needed offline) and returns the publish folder.</summary>
    public string Publish(string runtime)
    {
        string output = Path.Combine(Folder, "publish-" + runtime);
        DotnetCommand.Run(Folder, BuildTimeout, "publish", "-c", "Release", "-r", runtime, "--self-contained", "false", "-p:UseAppHost=false",
            $"-p:KeypointMLVersion={Version}", "-o", output, "--disable-build-servers");
        return output;
    }

    private string Version { get; init; } = "";

    /// <summary>Builds the consumer again with one more <c>KeypointModel</c> item; the build's result is the caller's to check.</summary>
    public DotnetCommand.Result BuildChoosing(string extraModel) =>
        DotnetCommand.RunAllowingFailure(Folder, BuildTimeout, "build", "-c", "Release", $"-p:KeypointMLVersion={Version}",
            $"-p:ExtraKeypointModel={extraModel}", "--no-restore", "--disable-build-servers");

    /// <summary>Bytes of the .nupkg files of every package the consumer's restore resolved (what a first restore on a clean
    /// machine downloads), from its project.assets.json, found in its own or the fallback package folder.</summary>
    public long RestoreDownloadBytes()
    {
        using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "obj", "project.assets.json")));
        var folders = assets.RootElement.GetProperty("packageFolders").EnumerateObject().Select(f => f.Name).ToList();
        long total = 0;
        foreach (var library in assets.RootElement.GetProperty("libraries").EnumerateObject())
        {
            if (library.Value.GetProperty("type").GetString() != "package") continue;
            string relative = library.Value.GetProperty("path").GetString()!;
            var nupkg = folders.Select(f => Path.Combine(f, relative)).Where(Directory.Exists)
                .SelectMany(d => Directory.GetFiles(d, "*.nupkg")).FirstOrDefault();
            if (nupkg is not null) total += new FileInfo(nupkg).Length;
        }
        return total;
    }

    /// <summary>Bytes of all files under <paramref name="folder"/>.</summary>
    public static long FolderBytes(string folder) => Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>Runs the built consumer with <paramref name="args"/>; the exit code is the caller's to check.</summary>
    public DotnetCommand.Result Run(params string[] args) =>
        DotnetCommand.RunAllowingFailure(Folder, RunTimeout, [Path.Combine(OutputFolder, "PackageConsumer.dll"), .. args]);

    private static string NuGetConfig(string feed, string ownPackages, string fallback) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="{ownPackages}" />
          </config>
          <packageSources>
            <clear />
            <add key="keypointml-under-test" value="{feed}" />
          </packageSources>
          <fallbackPackageFolders>
            <clear />
            <add key="machine-cache" value="{fallback}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    /// <summary>The NuGet package cache the solution restores into, as NuGet reports it (NUGET_PACKAGES, nuget.config, or the default).</summary>
    private static string MachinePackageCache()
    {
        var result = DotnetCommand.Run(RepositoryFiles.Root(), TimeSpan.FromSeconds(30), "nuget", "locals", "global-packages", "--list");
        const string prefix = "global-packages:";
        string? line = result.StdOut.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, "dotnet nuget locals printed no global-packages line:\n" + result.Both);
        return line![prefix.Length..].Trim();
    }
}
