using System.CommandLine;
using KeypointML.Data;
using KeypointML.Codecs;

namespace KeypointML.Cli;

/// <summary>The options several verbs share, so they read and explain the same everywhere.</summary>
internal static class ModelOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "KeypointML ONNX model: a file path, or a name (imm-nose) in the models folder (KEYPOINTML_MODELS, else the repository's models/).",
        Required = true,
    };

    public static Option<string> Data(bool required = true) => new("--data", "-d")
    {
        Description = $"Dataset: {string.Join(", ", KeypointDatasets.Names)}, a dlib .xml, an image,left,top,width,height .csv, or a folder (IMM .asf files, or plain images: each whole image is the face).",
        Required = required,
    };

    /// <summary><c>--flip</c>: test-time flip averaging (68-point models).</summary>
    public static Option<bool> Flip() => new("--flip")
    {
        Description = "68-point models: also score each face mirrored and average the points (test-time flip averaging; about 0.1 point NME better on the held-out faces, twice the model's cost).",
    };

    /// <summary><c>--no-shape-prior</c>: the points as the model's maps place them, without its shape prior.</summary>
    public static Option<bool> NoShapePrior() => new("--no-shape-prior")
    {
        Description = "Models with a face-shape prior (ship --shape-prior): leave it out, so the points are where the model's maps (and calibration) place them.",
    };

    /// <summary><c>--reduced-decoding</c>: JPEGs decoded at 1/2, 1/4 or 1/8 scale when the crop allows.</summary>
    public static Option<bool> ReducedDecoding() => new("--reduced-decoding")
    {
        Description = "Decode JPEGs at 1/2, 1/4 or 1/8 of their size when the face's crop stays at least the model's input size (faster; the pixels differ slightly from a full decode).",
    };

    public static Option<int?> Limit() => new("--limit") { Description = "Only the first N faces (quick checks)." };

    /// <summary>The command-line names of the refinements.</summary>
    public static readonly IReadOnlyDictionary<string, HeatmapRefinement> Refinements = new Dictionary<string, HeatmapRefinement>
    {
        ["none"] = HeatmapRefinement.None,
        ["quarter-offset"] = HeatmapRefinement.QuarterOffset,
        ["log-parabola"] = HeatmapRefinement.LogParabola,
        ["dark"] = HeatmapRefinement.Dark,
    };

    public static string NameOf(HeatmapRefinement refinement) => Refinements.First(r => r.Value == refinement).Key;

    /// <summary><c>--refine none|quarter-offset|log-parabola</c>: the heatmap decoder's sub-cell step (<see cref="HeatmapRefinement"/>).</summary>
    public static Option<HeatmapRefinement?> Refine()
    {
        var option = new Option<HeatmapRefinement?>("--refine")
        {
            Description = "Heatmap models; without it, the model's own choice (its metadata), else DARK (dark, the library's default, the best measured: the map smoothed with a Gaussian of 2 cells around its peak, then the log-parabola step), the vertex of a parabola through the log values of the peak and its neighbours (log-parabola), a quarter cell toward the higher neighbour (quarter-offset), or plain argmax (none). Coordinate models ignore it.",
            CustomParser = result => Refinements[result.Tokens[0].Value],
        };
        option.AcceptOnlyFromAmong([.. Refinements.Keys]);
        return option;
    }
}
