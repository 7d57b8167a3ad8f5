using KeypointML.Models;
using KeypointML.Codecs;

namespace KeypointML.Tooling.Inference;

/// <summary>One line about a model for people: name, points, output kind, input size, crop.</summary>
public static class ModelDescription
{
    /// <summary>The model's name: its file name without extension (what users pass to <c>ShippedModels.Path</c>; a
    /// shipped model's metadata name is the same).</summary>
    public static string Name(KeypointModel model) => Path.GetFileNameWithoutExtension(model.Path);

    /// <summary>E.g. "imm-nose: 1 point (dataset point 52), coordinates, input 60x80, crop scale 1".</summary>
    public static string Of(KeypointModel model, int[]? labelIndices)
    {
        var m = model.Metadata;
        string points = $"{m.KeypointCount} point{(m.KeypointCount == 1 ? "" : "s")}" + (labelIndices is null ? "" : $" (dataset point {string.Join(" ", labelIndices)})");
        string kind = m.OutputKind == KeypointOutputKind.Heatmaps ? $"heatmaps {m.HeatmapHeight}x{m.HeatmapWidth}" : "coordinates";
        if (m.Members > 1 || m.FlipInGraph)
            kind += $" (mean of {(m.Members > 1 ? $"{m.Members} networks" : "the network")}{(m.FlipInGraph ? " on the face and its mirror" : "")})";
        return FormattableString.Invariant($"{Name(model)}: {points}, {kind}, input {m.InputHeight}x{m.InputWidth}, crop scale {m.CropScale:0.##}{(m.CropSquare ? " square" : "")}");
    }
}
