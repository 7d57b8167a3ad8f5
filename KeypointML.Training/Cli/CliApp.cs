using System.CommandLine;
using System.Reflection;
using KeypointML.Data;
using KeypointML.Tooling.DataFetch;

namespace KeypointML.Training.Cli;

/// <summary>A verb of the <c>keypointml</c> tool. Each verb lives in its own <c>Cli/XxxCommand.cs</c> as a class that
/// implements this interface; <see cref="CliApp"/> finds them all, so adding a verb touches no other file.</summary>
public interface ICliCommand
{
    static abstract Command Create();
}

/// <summary>The <c>keypointml</c> root command and error handling: user mistakes end in one line on stderr and exit code 1
/// (2 for command-line syntax errors).</summary>
public static class CliApp
{
    public const string ToolName = "keypointml";

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("KeypointML: train facial keypoint models in TorchSharp, export them to ONNX, evaluate and predict with ML.NET. "
            + ReportCommand.MainJobDescription);
        // No verb: the main job (the README's main command), so `dotnet run --project KeypointML.Training` alone does it.
        root.SetAction(_ => ReportCommand.RunMainJob());
        var verbs = typeof(CliApp).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetInterfaces().Contains(typeof(ICliCommand)))
            .Select(t => (Command)t.GetMethod(nameof(ICliCommand.Create), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!)
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var verb in verbs) root.Subcommands.Add(verb);
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

    public static int Run(string[] args, TextWriter? stderr = null, TextWriter? stdout = null)
    {
        CurrentError.Value = stderr;
        CurrentOut.Value = stdout;
        stderr ??= Console.Error;
        var root = CreateRoot();
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
