using System.CommandLine;
using System.Diagnostics;

namespace KeypointML.Cli;

/// <summary>
/// The training verbs in the inference tool: <c>keypointml train ...</c> runs the installed training tool
/// (<c>keypointml-train train ...</c>, same arguments, same exit code), the way git runs <c>git-NAME</c>. The inference tool
/// stays free of TorchSharp and libtorch (hundreds of MB, linux-x64 only), and a user who trains still types one command.
/// </summary>
public static class TrainingToolForwarder
{
    /// <summary>The training tool's command (its <c>ToolCommandName</c>); on PATH after <c>dotnet tool install -g KeypointML.Training.Tool</c>.</summary>
    public const string ToolCommand = "keypointml-train";

    /// <summary>The package that installs <see cref="ToolCommand"/>.</summary>
    public const string ToolPackage = "KeypointML.Training.Tool";

    /// <summary>Overrides where the training tool is: the path of its executable.</summary>
    public const string PathVariable = "KEYPOINTML_TRAIN_TOOL";

    /// <summary>The verbs only the training tool has, with the help line the inference tool shows for them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Verbs = new Dictionary<string, string>
    {
        ["train"] = "Train a recipe in TorchSharp and export it to ONNX (runs the training tool, " + ToolCommand + ").",
        ["heatmap-resolution"] = "Quantization error of heatmap resolutions and decodings (runs the training tool, " + ToolCommand + ").",
    };

    /// <summary>Forwarding commands for the training verbs the tool does not have itself.</summary>
    public static IEnumerable<Command> CommandsFor(IEnumerable<string> registered)
    {
        var have = registered.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, description) in Verbs)
        {
            if (have.Contains(name)) continue;
            var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
            command.SetAction(parse => Run([name, .. parse.UnmatchedTokens]));
            yield return command;
        }
    }

    /// <summary>Whether <paramref name="args"/> name a forwarded verb of <paramref name="root"/> (its options, <c>--help</c>
    /// included, are then the training tool's to parse).</summary>
    public static bool Forwards(RootCommand root, string[] args) =>
        args.Length > 0 && Verbs.ContainsKey(args[0])
        && root.Subcommands.FirstOrDefault(c => c.Name == args[0]) is { TreatUnmatchedTokensAsErrors: false };

    /// <summary>Runs the training tool with <paramref name="args"/>; its exit code, or 1 with one line when it is not installed.</summary>
    public static int Run(string[] args)
    {
        var tool = Find();
        if (tool is null)
        {
            CliApp.Error.WriteLine($"{CliApp.ToolName}: error: '{args[0]}' needs the training tool, which is not installed: dotnet tool install -g {ToolPackage} "
                + $"(linux-x64; it carries TorchSharp and libtorch), or set {PathVariable} to its executable; in the repository: "
                + $"dotnet run --project KeypointML.Training -c Release -- {args[0]} ...");
            return 1;
        }
        var start = new ProcessStartInfo(tool) { UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        // On the real console the child writes there itself (progress bars included); under test writers its output is copied.
        bool copy = !CliApp.WritesToConsole;
        start.RedirectStandardOutput = start.RedirectStandardError = copy;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        if (copy)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            CliApp.Out.Write(output.Result);
            CliApp.Error.Write(error.Result);
        }
        else process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary><see cref="PathVariable"/> when set, else <see cref="ToolCommand"/> on PATH.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path)
            return File.Exists(path) ? path : throw new FileNotFoundException($"{PathVariable} is set to '{path}', which does not exist.");
        var name = OperatingSystem.IsWindows() ? ToolCommand + ".exe" : ToolCommand;
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }
}
