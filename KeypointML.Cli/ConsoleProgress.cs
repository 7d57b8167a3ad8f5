using Spectre.Console;

namespace KeypointML.Cli;

/// <summary>
/// A Spectre.Console progress bar for long work, drawn on stderr so that stdout keeps only results (a table, JSON);
/// nothing is drawn when stderr is not an interactive terminal (logs, CI, pipes) or when a test captures the output.
/// </summary>
internal static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports its absolute progress (0..<paramref name="maxValue"/>) through the action it gets.</summary>
    public static T Run<T>(string description, double maxValue, Func<Action<double>, T> work)
    {
        if (!CliApp.WritesToConsole || Console.IsErrorRedirected) return work(_ => { });
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive) return work(_ => { });
        return console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(description, maxValue: Math.Max(maxValue, 1e-9));
                return work(value => task.Value = value);
            });
    }

    /// <summary>Scores faces with a bar that counts them; <paramref name="count"/> is only called when a bar is drawn.</summary>
    public static T Faces<T>(string description, Func<int> count, Func<Action, T> work)
    {
        if (!CliApp.WritesToConsole || Console.IsErrorRedirected) return work(() => { });
        int done = 0;
        return Run(description, count(), set => work(() => set(++done)));
    }
}
