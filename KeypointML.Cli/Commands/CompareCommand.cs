using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using KeypointML.Tooling.Inference;
using Microsoft.ML;

namespace KeypointML.Cli;

/// <summary>
/// <c>keypointml compare --model A --baseline B --data D [--json] [--limit N]</c>: both models through the ML.NET
/// pipeline with the library's defaults on the same faces, and their per-face NMEs compared face by face
/// (<see cref="PairedComparison"/>): the mean difference, its standard error and 95% interval, and on how many faces
/// each wins. For choosing between close models on the held-out faces without mistaking noise for a gain.
/// </summary>
public sealed class CompareCommand : ICliCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var baseline = new Option<string>("--baseline", "-b")
        {
            Description = "The model to compare against (a file path or a name in the models folder); it must predict the same points.",
            Required = true,
        };
        var data = ModelOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print the comparison as one JSON object on one line." };
        var limit = ModelOptions.Limit();
        var command = new Command("compare", "Score two models on the same labelled faces and compare their per-face NMEs: the mean difference, its standard error and 95% interval.")
        {
            model, baseline, data, json, limit,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var ml = new MLContext(seed: 0);
            string dataSpec = parse.GetValue(data)!;
            using var a = ModelOnDataset.Open(ml, ModelsFolder.ResolveModel(parse.GetValue(model)!), dataSpec, requireTruth: true, parse.GetValue(limit));
            using var b = ModelOnDataset.Open(ml, ModelsFolder.ResolveModel(parse.GetValue(baseline)!), dataSpec, requireTruth: true, parse.GetValue(limit));
            if (a.Model.Metadata.KeypointCount != b.Model.Metadata.KeypointCount || !SamePoints(a.LabelIndices, b.LabelIndices))
                throw new ArgumentException($"{a.Model.Path} and {b.Model.Path} do not predict the same points of {dataSpec} ({a.Model.Metadata.KeypointCount} and {b.Model.Metadata.KeypointCount} points); only models of one point scheme compare.");
            var facesA = ConsoleProgress.Faces($"scoring {Path.GetFileName(a.Model.Path)}", a.CountFaces, tick => a.Predict(tick));
            var facesB = ConsoleProgress.Faces($"scoring {Path.GetFileName(b.Model.Path)}", b.CountFaces, tick => b.Predict(tick));
            // Only faces both scored are compared; the others are counted as left out.
            var both = Enumerable.Range(0, facesA.Count).Where(i => facesA[i].Scored && facesB[i].Scored).ToList();
            foreach (int i in Enumerable.Range(0, facesA.Count).Except(both))
                CliApp.Error.WriteLine($"warning: not compared: face {i} ({facesA[i].ImagePath}): {(facesA[i].Scored ? facesB[i].Error : facesA[i].Error)}");
            var nmesA = a.Accumulate(both.Select(i => facesA[i]).ToList()).FaceNmes;
            var nmesB = b.Accumulate(both.Select(i => facesB[i]).ToList()).FaceNmes;
            var comparison = PairedComparison.Of(nmesA, nmesB, notScored: facesA.Count - both.Count);

            var output = CliApp.Out;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(comparison, JsonOptions));
                return 0;
            }
            output.Write(Text(comparison, a.Model.Path, b.Model.Path, dataSpec));
            return 0;
        }));
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static bool SamePoints(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>The comparison as the verb prints it, NMEs in percent.</summary>
    public static string Text(PairedComparison c, string modelPath, string baselinePath, string dataSpec)
    {
        var ic = CultureInfo.InvariantCulture;
        static string Pct(double v) => (100 * v).ToString("F3", CultureInfo.InvariantCulture);
        var text = new StringWriter(ic);
        text.WriteLine($"model     {modelPath}: NME {Pct(c.ModelNme)}%");
        text.WriteLine($"baseline  {baselinePath}: NME {Pct(c.BaselineNme)}%");
        text.WriteLine($"faces     {c.Faces} of {dataSpec}{(c.LeftOut > 0 ? $" ({c.LeftOut} left out)" : "")}");
        text.WriteLine($"model - baseline  {(c.MeanDifference >= 0 ? "+" : "")}{Pct(c.MeanDifference)} points, standard error {Pct(c.StandardError)}, 95% interval {Pct(c.Low95)} to {Pct(c.High95)}");
        text.WriteLine($"better on  model {c.ModelBetter} faces, baseline {c.BaselineBetter}");
        text.WriteLine(c.Significant
            ? $"the {(c.MeanDifference < 0 ? "model" : "baseline")} is better beyond the noise of these faces (the 95% interval excludes 0)"
            : "within the noise of these faces (the 95% interval includes 0)");
        return text.ToString();
    }
}
