using System.CommandLine;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Scoring;

namespace KeypointML.Training.Cli;

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

    public static Option<int?> Limit() => new("--limit") { Description = "Only the first N faces (quick checks)." };

    /// <summary>One line about a model: its name, points, output and input size.</summary>
    public static string Describe(KeypointModelFile model, int[]? labelIndices)
    {
        var m = model.Metadata;
        string points = labelIndices is null ? $"{m.KeypointCount} points" : $"{m.KeypointCount} point(s): dataset point(s) {string.Join(" ", labelIndices)}";
        string kind = m.OutputKind == KeypointOutputKind.Heatmaps ? $"heatmaps {m.HeatmapHeight}x{m.HeatmapWidth}" : "coordinates";
        string name = string.IsNullOrEmpty(m.Name) ? Path.GetFileNameWithoutExtension(model.Path) : m.Name;
        return FormattableString.Invariant($"{name}: {points}, {kind}, input {m.InputHeight}x{m.InputWidth}, crop scale {m.CropScale:0.##}{(m.CropSquare ? " square" : "")}");
    }
}
