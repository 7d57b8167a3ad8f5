using System.IO.Compression;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// The keypointml tool as a user gets it: KeypointML.Cli packed as the .NET tool KeypointML.Tool into a local feed,
/// installed from there with <c>dotnet tool install --tool-path</c>, and run. It must carry no TorchSharp or libtorch, and
/// its <c>train</c> verb must hand over to a training tool (<c>keypointml-train</c>) when one is on PATH, or say how to
/// install it when none is.
/// </summary>
[TestFixture, Category("Packaging"), NonParallelizable]
public sealed class ToolPackageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private string root = null!;
    private string toolPath = null!;
    private string pointer = null!;
    private string package = null!;

    [OneTimeSetUp]
    public void PackAndInstall()
    {
        root = Path.Combine(Path.GetTempPath(), "keypointml-tool-tests-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(root, "feed");
        string version = $"0.0.1-tooltest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        // The pointer package and this machine's runtime package only (the real pack makes one per runtime).
        DotnetCommand.Run(RepositoryFiles.Root(), Timeout, "pack", "KeypointML.Cli/KeypointML.Cli.csproj", "-c", "Release", "-o", feed,
            "--artifacts-path", Path.Combine(root, "artifacts"), $"-p:Version={version}", "-p:KeypointMLToolRuntimes=linux-x64", "--disable-build-servers");
        pointer = Path.Combine(feed, $"KeypointML.Tool.{version}.nupkg");
        package = Path.Combine(feed, $"KeypointML.Tool.linux-x64.{version}.nupkg");
        // A tool package holds its dependencies itself; the install reads only the local feed.
        string config = Path.Combine(root, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(root, "packages")}" /></config>
              <packageSources><clear /><add key="keypointml-under-test" value="{feed}" /></packageSources>
            </configuration>
            """);
        toolPath = Path.Combine(root, "tools");
        DotnetCommand.Run(root, Timeout, "tool", "install", "KeypointML.Tool", "--version", version, "--tool-path", toolPath, "--configfile", config);
    }

    [OneTimeTearDown]
    public void DeleteTempFolder()
    {
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }

    [Test]
    public void The_linux_tool_package_carries_its_runtimes_natives_and_no_TorchSharp()
    {
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        TestContext.Out.WriteLine($"KeypointML.Tool.linux-x64: {new FileInfo(package).Length / 1048576.0:F1} MiB packed, {entries.Count} files, " +
                                  $"{zip.Entries.Sum(e => e.Length) / 1048576.0:F0} MiB unpacked; pointer package KeypointML.Tool: " +
                                  $"{new FileInfo(pointer).Length} bytes");
        Assert.That(entries, Has.Some.EndsWith("/KeypointML.Cli.dll"));
        using (var pointerZip = ZipFile.OpenRead(pointer))
            Assert.That(pointerZip.Entries.Select(e => e.FullName), Does.Contain("README.md"), "the package page shows the README");
        Assert.That(entries, Has.None.Contains("TorchSharp").And.None.Contains("libtorch"), "training is the training tool's");
        Assert.That(entries.Select(Path.GetFileName), Is.SupersetOf(new[] { "libonnxruntime.so", "libSkiaSharp.so" }));
        Assert.That(entries.Where(e => e.Contains("win-") || e.Contains("osx") || e.EndsWith(".dbg", StringComparison.Ordinal)), Is.Empty,
            "one runtime's natives, no debug symbols");
        Assert.That(new FileInfo(package).Length, Is.LessThan(40L << 20), "the inference tool stays small (the training tool carries libtorch)");
    }

    [Test]
    public void The_installed_tool_lists_the_inference_verbs_and_the_forwarded_training_verbs()
    {
        var run = Keypointml(new Dictionary<string, string>(), "--help");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Both);
        foreach (var verb in new[] { "evaluate", "predict", "bench", "report", "detect-faces", "train" })
            Assert.That(run.StdOut, Does.Contain("  " + verb + " "), verb);
    }

    [Test]
    public void The_installed_tool_evaluates_a_shipped_model_as_its_card_says()
    {
        // ONNX Runtime and Skia load from the installed tool's own folder: imm-nose on the 48 IMM validation faces.
        var run = Keypointml(new Dictionary<string, string>
        {
            ["KEYPOINTML_MODELS"] = Path.Combine(RepositoryFiles.Root(), "models"),
            ["KEYPOINTML_DATA"] = Path.GetDirectoryName(KeypointML.Data.KeypointDataPaths.Imm)!,
        }, "evaluate", "--model", "imm-nose", "--data", "imm-val", "--json");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Both);
        using var json = System.Text.Json.JsonDocument.Parse(run.StdOut.Trim().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("count").GetInt32(), Is.EqualTo(48));
        Assert.That(json.RootElement.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(19.44).Within(0.01), "models/imm-nose.md: 19.4 px");
    }

    [Test]
    public void The_installed_tool_finds_faces_without_ONNX_Runtime_warnings_on_stderr()
    {
        // Two IMM photos in a folder of their own (a temp folder, never the repository).
        string photos = Path.Combine(root, "photos");
        Directory.CreateDirectory(photos);
        foreach (var name in new[] { "01-1m", "02-1m" }) File.Copy(DataFixtures.ImmJpg(name), Path.Combine(photos, name + ".jpg"), overwrite: true);
        string csv = Path.Combine(root, "boxes.csv");
        var run = Keypointml(new Dictionary<string, string> { ["KEYPOINTML_MODELS"] = Path.Combine(RepositoryFiles.Root(), "models") },
            "detect-faces", "--data", photos, "--out", csv);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Both);
        Assert.That(File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "01-1m.jpg", "02-1m.jpg" }), "one face in each");
        // ONNX Runtime's default log level prints three "Removing initializer ..." warnings for the detector on every open.
        Assert.That(run.StdErr, Does.Not.Contain("onnxruntime"), "the library's sessions log errors only");
    }

    [Test]
    public void Train_without_a_training_tool_says_how_to_install_it()
    {
        // PATH with only the tools folder: no keypointml-train anywhere.
        var run = Keypointml(new Dictionary<string, string> { ["PATH"] = toolPath }, "train", "imm-nose");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.Both);
        Assert.That(run.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(run.StdErr, Does.StartWith("keypointml: error: 'train' needs the training tool").And.Contain("dotnet tool install -g KeypointML.Training.Tool"));
    }

    [Test, Platform("Unix")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Train_runs_the_training_tool_on_PATH_with_the_same_arguments_and_exit_code()
    {
        // A stand-in keypointml-train that prints its arguments and exits 7: what reaches it, and what comes back.
        string bin = Path.Combine(root, "fake-training-tool");
        Directory.CreateDirectory(bin);
        string fake = Path.Combine(bin, "keypointml-train");
        File.WriteAllText(fake, "#!/bin/sh\necho \"training tool got: $*\"\nexit 7\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var run = Keypointml(new Dictionary<string, string> { ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") },
            "train", "ibug-fast", "--epochs", "3", "--help");
        Assert.That(run.ExitCode, Is.EqualTo(7), run.Both);
        Assert.That(run.StdOut.Trim(), Is.EqualTo("training tool got: train ibug-fast --epochs 3 --help"));
    }

    /// <summary>Runs the installed tool through its launcher, with the dotnet that runs the tests.</summary>
    private DotnetCommand.Result Keypointml(Dictionary<string, string> environment, params string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p ? p : "dotnet";
        if (Path.IsPathRooted(dotnet)) environment.TryAdd("DOTNET_ROOT", Path.GetDirectoryName(dotnet)!);
        return DotnetCommand.RunProgram(Path.Combine(toolPath, "keypointml"), root, Timeout, environment, args);
    }
}
