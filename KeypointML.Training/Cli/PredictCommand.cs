using KeypointML.Tooling.Report;
using System.CommandLine;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Plots;
using Microsoft.ML;

namespace KeypointML.Training.Cli;

/// <summary><c>keypointml predict --model M --data D --out preds.csv [--overlays DIR] [--refine quarter-offset|log-parabola] [--limit N]</c>.</summary>
public sealed class PredictCommand : ICliCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var data = ModelOptions.Data();
        var output = new Option<string>("--out", "-o")
        {
            Description = "Predictions CSV: header image,x0,y0,x1,y1,...; one row per face; image as the dataset names it (path relative to the XML/CSV/folder); 0-based pixels of the original image.",
            Required = true,
        };
        var overlays = new Option<string?>("--overlays") { Description = "Folder for pictures of the predictions (red) and, where labelled, the truth (green); one PNG per image." };
        var limit = ModelOptions.Limit();
        var refine = ModelOptions.Refine();
        var command = new Command("predict", "Predict keypoints for every face of a dataset, an XML or box CSV (uses its boxes) or a folder of images (each whole image is the face).")
        {
            model, data, output, overlays, refine, limit,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var csv = parse.GetValue(output)!;
            if (Directory.Exists(csv)) throw new ArgumentException($"--out {csv} is a folder; give the CSV file to write.");
            using var run = ModelOnDataset.Open(new MLContext(seed: 0), ModelsFolder.ResolveModel(parse.GetValue(model)!), parse.GetValue(data)!, requireTruth: false, parse.GetValue(limit), parse.GetValue(refine));
            var faces = ConsoleProgress.Faces("predicting", run.CountFaces, tick => run.Predict(tick));
            PredictionCsv.Write(csv, faces, run.Model.Metadata.KeypointCount, run.ImageNames);
            CliApp.Out.WriteLine($"{faces.Count} faces -> {csv}");
            if (parse.GetValue(overlays) is string folder)
            {
                int pictures = KeypointOverlays.Write(folder, faces, run.ImageNames);
                CliApp.Out.WriteLine($"{pictures} pictures -> {folder}{(run.HasTruth ? " (red: predicted, green: labelled)" : " (red: predicted)")}");
            }
            return 0;
        }));
        return command;
    }
}
