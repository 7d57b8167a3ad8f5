using System.CommandLine;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Report;

namespace KeypointML.Cli;

/// <summary>
/// <c>keypointml report --out DIR [--models DIR] [--runs DIR] [--limit N]</c>: the HTML page of every model's results.
/// It is also the tool's main job: <c>keypointml</c> without a verb runs it on the defaults (<see cref="RunMainJob"/>).
/// </summary>
public sealed class ReportCommand : ICliCommand
{
    /// <summary>The report folder of the main job, relative to the working directory.</summary>
    public const string MainJobOutFolder = "report";

    /// <summary>What the tool does without a verb, for the root command's help.</summary>
    public const string MainJobDescription =
        $"Without a verb: the main job, 'report --out {MainJobOutFolder}' on the defaults (the models folder: KEYPOINTML_MODELS, else the repository's models/; " +
        "the data: KEYPOINTML_DATA, else ../shared/data): prints the results table and writes report/index.html.";

    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Report folder (index.html and PNGs); written whole, replacing an earlier report.", Required = true };
        var models = new Option<string?>("--models") { Description = "Folder of NAME.onnx models; default KEYPOINTML_MODELS, else the repository's models/." };
        var runs = new Option<string?>("--runs") { Description = "Folder of training runs (NAME/losses.csv) for the loss curves; default the repository's runs/." };
        var limit = ModelOptions.Limit();
        limit.Description = "Evaluate only the first N faces of each evaluation set (quick checks; the figures are then not the full ones).";
        var command = new Command("report", "Measure every model in the models folder now (metrics on its evaluation set, ms/face) and write an HTML report with loss curves and best/worst faces; prints the results table.")
        {
            output, models, runs, limit,
        };
        command.SetAction(parse => CliApp.Guard(() => Run(parse.GetValue(output)!, parse.GetValue(models), parse.GetValue(runs), parse.GetValue(limit))));
        return command;
    }

    /// <summary>The main job: <c>report --out report</c> with every other option at its default.</summary>
    public static int RunMainJob() => CliApp.Guard(() => Run(MainJobOutFolder, models: null, runs: null, limit: null));

    private static int Run(string outFolder, string? models, string? runs, int? limit)
    {
        var modelsFolder = models ?? ModelsFolder.TryFind()
            ?? throw new ArgumentException("no models folder found: set KEYPOINTML_MODELS, run inside the repository, or pass --models (keypointml report --models DIR --out DIR).");
        var runsFolder = runs ?? (ModelsFolder.RepositoryRoot() is string root ? Path.Combine(root, "runs") : null);
        if (limit is < 1) throw new ArgumentException($"--limit must be at least 1; got {limit}.");
        var options = new ReportOptions(modelsFolder, runsFolder, limit);
        var files = ReportBuilder.ModelsIn(modelsFolder);
        int count = files.Models.Count;
        // A line per model on stderr as well (the bar is drawn only on an interactive terminal): a log shows where it is.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = ConsoleProgress.Run($"measuring {count} model(s)", count, set => ReportBuilder.Write(outFolder, options, files, done =>
        {
            set(done);
            CliApp.Error.WriteLine(FormattableString.Invariant($"[{done}/{count}] {Path.GetFileName(files.Models[done - 1])} measured ({clock.Elapsed.TotalSeconds:F0} s){(done == count ? "; the 68-point models end to end and the photo detector next" : "")}"));
        }));
        CliApp.Error.WriteLine(FormattableString.Invariant($"done in {clock.Elapsed.TotalSeconds:F0} s"));
        foreach (var line in ResultsTable.Text(results)) CliApp.Out.WriteLine(line);
        foreach (var d in ReportBuilder.LastDetection)
            CliApp.Out.WriteLine(d.Problem is not null ? $"faces in photos, {d.Detector}: not measured: {d.Problem}" : FormattableString.Invariant(
                $"faces in photos ({d.Data}, {d.Photos} photos), {d.Detector}: >= 40 px {d.Recall40:F1}%, >= 20 px {d.Recall20:F1}%, {d.FalsePerPhoto:F3} false per photo"));
        if (results.Count == 0) CliApp.Out.WriteLine($"no models (*.onnx) in {modelsFolder}");
        CliApp.Out.WriteLine($"report: {Path.Combine(Path.GetFullPath(outFolder), ReportFolder.IndexFile)}");
        return 0;
    }
}
