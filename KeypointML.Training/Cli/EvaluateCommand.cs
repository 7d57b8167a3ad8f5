using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using KeypointML.Evaluation;
using KeypointML.Training.Inference;
using Microsoft.ML;

namespace KeypointML.Training.Cli;

/// <summary><c>keypointml evaluate --model M --data D [--json] [--limit N]</c>: the model's metrics on a labelled dataset.</summary>
public sealed class EvaluateCommand : ICliCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var data = ModelOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object on one line (field names as KeypointMetrics: mse, meanPixelError, nmeInterOcular, ...)." };
        var limit = ModelOptions.Limit();
        var command = new Command("evaluate", "Run a model through the ML.NET pipeline (DetectKeypoints on the dataset's face boxes) and measure it against the labels (EvaluateKeypoints).")
        {
            model, data, json, limit,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var run = ModelOnDataset.Open(new MLContext(seed: 0), ModelsFolder.ResolveModel(parse.GetValue(model)!), parse.GetValue(data)!, requireTruth: true, parse.GetValue(limit));
            var faces = ConsoleProgress.Faces("evaluating", run.CountFaces, tick => run.Predict(tick));
            var metrics = run.Evaluate(faces);
            var output = CliApp.Out;
            if (parse.GetValue(json))
            {
                output.WriteLine(ToJsonLine(metrics));
                return 0;
            }
            output.WriteLine($"model  {run.Model.Path}");
            output.WriteLine($"       {ModelDescription.Of(run.Model, run.LabelIndices)}");
            output.WriteLine($"data   {run.DataSpec} ({metrics.Count} faces)");
            var rows = MetricsText.Rows(metrics);
            int width = rows.Max(r => r.Name.Length);
            foreach (var (name, value) in rows) output.WriteLine($"  {name.PadRight(width)}  {value}");
            return 0;
        }));
        return command;
    }

    // A degenerate face (both eye corners labelled on one spot) can make an NME infinite; JSON has no number for that.
    private static readonly JsonSerializerOptions OneLine = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The metrics on one line, with the field names of <see cref="KeypointMetrics"/>'s JSON attributes.</summary>
    public static string ToJsonLine(KeypointMetrics metrics) => JsonSerializer.Serialize(metrics, OneLine);
}
