using System.Globalization;

namespace KeypointML.Codecs;

/// <summary>The shape a keypoint's training heatmap has.</summary>
public enum HeatmapTargetKind
{
    /// <summary>A 2-D Gaussian around the keypoint (peak 1), sigma in cells.</summary>
    Gaussian,
    /// <summary>A single 1 at the keypoint's cell, 0 elsewhere.</summary>
    ZeroOne,
}

/// <summary>How a heatmap codec renders a keypoint: a Gaussian of <see cref="Sigma"/> cells, or a single 1 at its cell.</summary>
/// <param name="Kind">Gaussian or zero-one.</param>
/// <param name="Sigma">Gaussian sigma in heatmap cells (ignored for zero-one).</param>
public sealed record HeatmapTarget(HeatmapTargetKind Kind, float Sigma = 0f)
{
    /// <summary>A Gaussian target of <paramref name="sigma"/> cells.</summary>
    public static HeatmapTarget Gaussian(float sigma) =>
        sigma > 0 ? new(HeatmapTargetKind.Gaussian, sigma) : throw new ArgumentException($"The Gaussian sigma must be positive; got {sigma}.", nameof(sigma));

    /// <summary>The zero-one target.</summary>
    public static HeatmapTarget ZeroOne { get; } = new(HeatmapTargetKind.ZeroOne);

    /// <summary>The metadata text: "gaussian 1.5" or "zero-one".</summary>
    public override string ToString() => Kind == HeatmapTargetKind.Gaussian
        ? "gaussian " + Sigma.ToString("R", CultureInfo.InvariantCulture)
        : "zero-one";

    /// <summary>Reads <see cref="ToString"/>'s text; null when <paramref name="text"/> is not one.</summary>
    public static HeatmapTarget? Parse(string? text)
    {
        if (text == "zero-one") return ZeroOne;
        if (text is not null && text.StartsWith("gaussian ", StringComparison.Ordinal)
            && float.TryParse(text.AsSpan("gaussian ".Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma) && sigma > 0)
            return Gaussian(sigma);
        return null;
    }
}
