using System.Globalization;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Tooling.Bench;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Plots;
using Microsoft.ML;

namespace KeypointML.Tooling.Report;

/// <summary>Settings of one report.</summary>
/// <param name="RunsFolder">Where training runs live (<c>runs/NAME/losses.csv</c>); null when there is none.</param>
/// <param name="Limit">Evaluate only the first N faces of each evaluation set (quick checks); null = all.</param>
/// <param name="TimedFaces">Faces timed per model for ms/face.</param>
public sealed record ReportOptions(string ModelsFolder, string? RunsFolder, int? Limit = null, int TimedFaces = 32);

/// <summary>
/// Measures one model for the report, now and on this machine: its metrics on its evaluation set through the ML.NET
/// pipeline, its speed, its best and worst faces, and its training curves when the run folder is there.
/// </summary>
public static class ModelMeasurement
{
    public const int ExamplesPerPicture = 3;

    /// <summary>Measures <paramref name="modelPath"/> and writes its pictures into <paramref name="pictureFolder"/>.
    /// A model that cannot be measured (unreadable file, missing data, unknown points) becomes a row that says why.</summary>
    public static ModelResult Measure(string modelPath, ReportOptions options, string pictureFolder, Action? faceDone = null)
    {
        string file = Path.GetFileName(modelPath), stem = Path.GetFileNameWithoutExtension(modelPath);
        KeypointModel model;
        try { model = KeypointModel.Open(modelPath); }
        catch (InvalidDataException e) { return new ModelResult { File = file, Name = stem, Problem = e.Message }; }
        using var _ = model;

        var result = new ModelResult { File = file, Name = ModelDescription.Name(model), Description = ModelDescription.Of(model, null) };
        result = WithLossCurve(result, model, stem, options.ModelsFolder, options.RunsFolder, pictureFolder);
        var set = EvaluationSets.For(model.Metadata);
        if (set is null)
            return result with { Problem = $"no evaluation set is known for a model of {model.Metadata.KeypointCount} point(s) trained on '{model.Metadata.TrainingData}'." };
        try
        {
            using var run = ModelOnDataset.Open(new MLContext(seed: 0), model, set, requireTruth: true, options.Limit);
            // Heatmap models are decoded both ways from one scoring pass: the library's default (DARK, the best refinement
            // measured, models/ibug68-heatmap.md) and the plain argmax cell, for comparison.
            IReadOnlyList<FacePrediction> faces;
            KeypointMetrics? refined = null;
            if (model.Metadata.OutputKind == KeypointOutputKind.Heatmaps)
            {
                (faces, var argmax) = run.PredictBothDecodings(HeatmapRefinement.None, faceDone);
                refined = run.Evaluate(argmax);
            }
            else faces = run.Predict(faceDone);
            var accumulator = run.Accumulate(faces);
            var metrics = accumulator.Metrics();
            IReadOnlyList<double> faceNmes = [.. accumulator.FaceNmes];
            var speed = PipelineBenchmark.Run(modelPath, run.Dataset.Rows.Take(options.TimedFaces).ToList(), set, Math.Min(options.TimedFaces, faces.Count), repeats: 2);
            var ranked = faces.OrderBy(f => f.MeanPixelError).ToList();
            string best = stem + "-best.png", worst = stem + "-worst.png";
            ExamplePanels.Write(Captioned(ranked.Take(ExamplesPerPicture)), Path.Combine(pictureFolder, best));
            ExamplePanels.Write(Captioned(Enumerable.Reverse(ranked).Take(ExamplesPerPicture)), Path.Combine(pictureFolder, worst));
            return result with
            {
                Description = ModelDescription.Of(model, run.LabelIndices), EvaluationSet = set, Metrics = metrics, ArgmaxMetrics = refined, FaceNmes = faceNmes, Speed = speed,
                NotScored = [.. ModelOnDataset.BadFaces(faces).Select(f => f.Error)],
                BestPicture = best, WorstPicture = worst,
            };
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or KeypointDataException)
        {
            return result with { EvaluationSet = set, Problem = e.Message };
        }
    }

    // The file name only: a panel is 240 px wide, too narrow for dataset paths such as helen/testset/....
    private static List<(FacePrediction, string)> Captioned(IEnumerable<FacePrediction> faces) =>
        faces.Select(f => (f, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f.ImagePath)}: {f.MeanPixelError:F1} px"))).ToList();

    /// <summary>The suffix of a shipped model's committed loss history beside its card: <c>models/NAME.losses.csv</c>.</summary>
    public const string ShippedLossFileSuffix = ".losses.csv";

    /// <summary>The loss curves from the shipped model's own <c>models/NAME.losses.csv</c> (committed with its card), else
    /// <c>runs/&lt;file stem or model name&gt;/losses.csv</c>, or a note saying why there are none.</summary>
    private static ModelResult WithLossCurve(ModelResult result, KeypointModel model, string stem, string modelsFolder, string? runsFolder, string pictureFolder)
    {
        var shipped = Path.Combine(modelsFolder, stem + ShippedLossFileSuffix);
        if (!File.Exists(shipped) && (runsFolder is null || !Directory.Exists(runsFolder)))
            return result with { LossNote = $"no {stem}{ShippedLossFileSuffix} beside the model and no runs folder{(runsFolder is null ? "" : $" ({runsFolder})")}: this model's training history was not committed; train it to see its loss curves." };
        var csv = File.Exists(shipped) ? shipped : new[] { stem, model.Metadata.Name }.Where(n => !string.IsNullOrWhiteSpace(n))
            .Select(n => Path.Combine(runsFolder!, n, LossHistory.FileName)).FirstOrDefault(File.Exists);
        if (csv is null)
            return result with { LossNote = $"no {Path.Combine(runsFolder!, stem, LossHistory.FileName)}: this model's training run is not on this machine." };
        try
        {
            var history = LossHistory.Read(csv);
            if (history.Count == 0) return result with { LossNote = $"{csv} holds no epochs yet." };
            string picture = stem + "-losses.png";
            bool heatmapRun = history.Any(h => h.ValidationKeypointMse is not null);   // loss per heatmap; the keypoint MSE beside it
            TrainingPlots.LossCurves(history, Path.Combine(pictureFolder, picture),
                heatmapRun ? $"{result.Name}: heatmap loss and validation keypoint MSE per epoch" : $"{result.Name}: MSE per epoch (normalized coordinates)",
                heatmapRun ? "loss" : "MSE");
            return result with { LossPicture = picture };
        }
        catch (InvalidDataException e)
        {
            return result with { LossNote = e.Message };
        }
    }
}
