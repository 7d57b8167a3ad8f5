using System.CommandLine;
using System.Reflection;
using KeypointML.Data;
using KeypointML.Tooling.DataFetch;

namespace KeypointML.Cli;

/// <summary>A verb of the <c>keypointml</c> tool. Each verb lives in its own <c>XxxCommand.cs</c> as a class that
/// implements this interface; <see cref="CliApp"/> finds them all, so adding a verb touches no other file.</summary>
public interface ICliCommand
{
    static abstract Command Create();
}

/// <summary>The <c>keypointml</c> root command and error handling: user mistakes end in one line on stderr and exit code 1
/// (2 for command-line syntax errors).</summary>
/// <remarks>Two tools share it. <c>keypointml</c> (this assembly, package <c>KeypointML.Tool</c>) has the verbs that run
/// models and needs no TorchSharp; the training tool (<c>keypointml-train</c>, package <c>KeypointML.Training.Tool</c>)
/// passes its own assembly as <c>moreVerbs</c> and so has every verb plus <c>train</c> and <c>heatmap-resolution</c>.
/// Without the training assembly those two verbs are forwarded to an installed training tool
/// (<see cref="TrainingToolForwarder"/>), so users type <c>keypointml train ...</c> with either install.</remarks>
public static class CliApp
{
    public const string ToolName = "keypointml";

    public static RootCommand CreateRoot(Assembly? moreVerbs = null)
    {
        var root = new RootCommand("KeypointML: evaluate, predict, bench and report facial keypoint models with ML.NET; train them in TorchSharp and export them to ONNX. "
            + ReportCommand.MainJobDescription);
        // No verb: the main job (the README's main command), so `dotnet run --project KeypointML.Cli` alone does it.
        root.SetAction(_ => ReportCommand.RunMainJob());
        var assemblies = new[] { typeof(CliApp).Assembly, moreVerbs }.OfType<Assembly>().Distinct();
        var verbs = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && t.GetInterfaces().Contains(typeof(ICliCommand)))
            .Select(t => (Command)t.GetMethod(nameof(ICliCommand.Create), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!)
            .ToList();
        verbs.AddRange(TrainingToolForwarder.CommandsFor(verbs.Select(v => v.Name)));
        foreach (var verb in verbs.OrderBy(c => c.Name, StringComparer.Ordinal)) root.Subcommands.Add(verb);
        return root;
    }

    private static readonly AsyncLocal<TextWriter?> CurrentError = new();
    private static readonly AsyncLocal<TextWriter?> CurrentOut = new();

    /// <summary>Where error lines go: the writer given to <see cref="Run"/>, else stderr.</summary>
    public static TextWriter Error => CurrentError.Value ?? Console.Error;

    /// <summary>Where results go: the writer given to <see cref="Run"/>, else stdout.</summary>
    public static TextWriter Out => CurrentOut.Value ?? Console.Out;

    /// <summary>Whether the verbs write to the real console (not to writers a test passed in), so that progress bars may be drawn.</summary>
    public static bool WritesToConsole => CurrentOut.Value is null && CurrentError.Value is null;

    public static int Run(string[] args, TextWriter? stderr = null, TextWriter? stdout = null, Assembly? moreVerbs = null)
    {
        CurrentError.Value = stderr;
        CurrentOut.Value = stdout;
        stderr ??= Console.Error;
        var root = CreateRoot(moreVerbs);
        if (TrainingToolForwarder.Forwards(root, args)) return Guard(() => TrainingToolForwarder.Run(args), stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            var verb = parse.CommandResult.Command == root ? "" : " " + parse.CommandResult.Command.Name;
            stderr.WriteLine($"{ToolName}: {OneLine(parse.Errors[0].Message)} (see '{ToolName}{verb} --help')");
            return 2;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = stderr, Output = stdout ?? Console.Out });
    }

    /// <summary>Runs a verb's body; a user mistake (bad option value, missing file, bad data, unreachable download) becomes one line on stderr.</summary>
    public static int Guard(Func<int> body, TextWriter? stderr = null)
    {
        stderr ??= Error;
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                      or InvalidDataException or KeypointDataException or NotSupportedException or DataFetchException)
        {
            stderr.WriteLine($"{ToolName}: error: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("KEYPOINTML_DEBUG") != "1")
        {
            stderr.WriteLine($"{ToolName}: internal error: {e.GetType().Name}: {OneLine(e.Message)} (set KEYPOINTML_DEBUG=1 for the stack trace)");
            return 3;
        }
    }

    private static string OneLine(string s) => string.Join(" ", s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
