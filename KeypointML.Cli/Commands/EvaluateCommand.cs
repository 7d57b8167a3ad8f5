using KeypointML.Tooling.Report;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Tooling.Inference;
using Microsoft.ML;

namespace KeypointML.Cli;

/// <summary>
/// <c>keypointml evaluate --model M --data D [--mean-shape-of T] [--refine quarter-offset|log-parabola] [--json] [--limit N]</c>: the model's metrics on a
/// labelled dataset, or with <c>--mean-shape-of</c> those of the trivial baseline that predicts training set T's mean
/// shape in the model's crops (<see cref="ModelOnDataset.PredictMeanShape"/>), measured by the same evaluation.
/// </summary>
public sealed class EvaluateCommand : ICliCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var data = ModelOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object on one line (field names as KeypointMetrics: mse, meanPixelError, nmeInterOcular, ...)." };
        var limit = ModelOptions.Limit();
        var refine = ModelOptions.Refine();
        var flip = ModelOptions.Flip();
        var reduced = ModelOptions.ReducedDecoding();
        var noShapePrior = ModelOptions.NoShapePrior();
        var meanShapeOf = new Option<string?>("--mean-shape-of")
        {
            Description = "Measure the trivial baseline instead of the model: every face gets the mean shape of this labelled dataset " +
                "(e.g. imm-train, ibug-train; the model's training set), taken in the model's crops (its crop scale and square) as training " +
                "computes its mean-shape baseline, and mapped back through each face's crop. The model is not run; its metadata gives the crops and points.",
        };
        var findFaces = new Option<bool>("--faces") { Description = "End to end: find the faces with the face detector (nothing but the images given) instead of using the dataset's boxes; a labelled face is matched by the found face whose points' box overlaps its own most (IoU >= 0.5), a miss counts as a failure (as ../shared/peers/score.py --e2e)." };
        var detector = DetectFacesCommand.Detector();
        var minRoll = new Option<float?>("--min-roll") { Description = $"With --faces: heads rolled less than this many degrees are cropped upright (default {Engine.FaceEngineDefaults.MinRollDegrees}; a large value never turns a crop)." };
        var command = new Command("evaluate", "Run a model through the ML.NET pipeline (DetectKeypoints on the dataset's face boxes) and measure it against the labels (EvaluateKeypoints).")
        {
            model, data, meanShapeOf, refine, flip, reduced, noShapePrior, json, limit, findFaces, detector, minRoll,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            if (parse.GetValue(findFaces))
            {
                var e2e = EndToEndMeasurement.Measure(ModelsFolder.ResolveModel(parse.GetValue(detector)!), ModelsFolder.ResolveModel(parse.GetValue(model)!),
                    parse.GetValue(data)!, parse.GetValue(limit), parse.GetValue(refine), minRollDegrees: parse.GetValue(minRoll));
                if (e2e.Problem is not null) throw new InvalidDataException(e2e.Problem);
                CliApp.Out.WriteLine(FormattableString.Invariant(
                    $"end to end, {e2e.Detector} -> {e2e.Model} on {e2e.Data}: {e2e.Matched}/{e2e.Labelled} faces matched; NME_io {e2e.Metrics?.NmeInterOcular * 100:F3}% (matched faces); FR@8 {e2e.FailureRate * 100:F2}% and AUC@8 {e2e.Auc:F4} (misses count as failures); {e2e.MsPerImage:F1} ms per image"));
                return 0;
            }
            using var run = ModelOnDataset.Open(new MLContext(seed: 0), ModelsFolder.ResolveModel(parse.GetValue(model)!), parse.GetValue(data)!, requireTruth: true, parse.GetValue(limit),
                new ScoringChoices(parse.GetValue(refine), parse.GetValue(flip), parse.GetValue(reduced), !parse.GetValue(noShapePrior)));
            var baseline = parse.GetValue(meanShapeOf) is string trainSpec ? run.PredictMeanShape(trainSpec) : null;
            var faces = baseline?.Faces ?? ConsoleProgress.Faces("evaluating", run.CountFaces, tick => run.Predict(tick));
            // Faces the pipeline could not score are listed and left out of the metrics, not fatal.
            var bad = ModelOnDataset.BadFaces(faces);
            foreach (var face in bad) CliApp.Error.WriteLine($"warning: not scored: {face.Error}");
            if (bad.Count == faces.Count) throw new InvalidDataException($"none of the {faces.Count} faces of {run.DataSpec} could be scored (see the warnings).");
            var metrics = run.Evaluate(faces);
            var output = CliApp.Out;
            if (parse.GetValue(json))
            {
                output.WriteLine(ToJsonLine(metrics));
                return 0;
            }
            output.WriteLine($"model  {run.Model.Path}");
            output.WriteLine($"       {ModelDescription.Of(run.Model, run.LabelIndices)}");
            if (run.Model.Metadata.OutputKind == KeypointOutputKind.Heatmaps && baseline is null)
                output.WriteLine($"       heatmaps decoded by {(run.Refinement == HeatmapRefinement.None ? "plain argmax" : "argmax + " + ModelOptions.NameOf(run.Refinement))}{(run.Refinement == run.Model.DefaultRefinement ? " (the model's default)" : "")}");
            if (baseline is not null)
                output.WriteLine($"       baseline, not the model's output: the mean shape of {baseline.TrainSpec} ({baseline.TrainFaces} faces) in the model's crops");
            output.WriteLine($"data   {run.DataSpec} ({metrics.Count} faces{(bad.Count > 0 ? $"; {bad.Count} could not be scored and are left out" : "")})");
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
