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
        var app = new ConsumerApp(Path.Combine(packages.Root, "consumer"));
        Directory.CreateDirectory(app.Folder);
        string template = Path.Combine(TestContext.CurrentContext.TestDirectory, "Packaging", "Consumer");
        foreach (var file in Directory.GetFiles(template))
            File.Copy(file, Path.Combine(app.Folder, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(app.Folder, "nuget.config"), NuGetConfig(packages.Feed, Path.Combine(packages.Root, "packages"), MachinePackageCache()));

        DotnetCommand.Run(app.Folder, BuildTimeout, "build", "-c", "Release", $"-p:KeypointMLVersion={packages.Version}", "--disable-build-servers");
        return app;
    }

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
