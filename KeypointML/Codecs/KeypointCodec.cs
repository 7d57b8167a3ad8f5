using KeypointML.Models;

namespace KeypointML.Codecs;

/// <summary>
/// Encodes keypoints into a model's training targets and decodes the model's output back into keypoints, with one
/// definition for both directions. Keypoints here are normalized crop coordinates x0, y0, x1, y1, ... (0 = left/top edge
/// of the crop, 1 = right/bottom edge; <see cref="Geometry.CropGeometry"/> maps them to image pixels).
/// </summary>
/// <remarks>
/// The training tool's objectives render their targets with <see cref="Encode"/> and decode validation outputs (after
/// <see cref="IModelOutputCodec.Activation"/>) with <see cref="Decode"/>; the ML.NET <c>DecodeKeypoints</c> transform
/// takes the codec from the model's metadata (<see cref="FromMetadata"/>), so a model is decoded the same way in both.
/// </remarks>
public abstract class KeypointCodec : IModelOutputCodec
{
    private protected KeypointCodec(int keypointCount)
    {
        if (keypointCount <= 0) throw new ArgumentOutOfRangeException(nameof(keypointCount), keypointCount, "A codec needs at least one keypoint.");
        KeypointCount = keypointCount;
    }

    /// <summary>Number of keypoints (K).</summary>
    public int KeypointCount { get; }

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <inheritdoc />
    public abstract IReadOnlyList<int> OutputShape { get; }

    /// <inheritdoc />
    public int OutputLength => OutputShape.Aggregate(1, (a, b) => a * b);

    /// <inheritdoc />
    public abstract OutputActivation Activation { get; }

    /// <summary>Whether <see cref="Decode"/> gives a meaningful per-keypoint confidence (heatmap spreads do; coordinates
    /// carry none, and the decoder then writes no confidence column).</summary>
    public abstract bool HasConfidence { get; }

    /// <summary>The training target of one sample for its normalized keypoints (2K values) into <paramref name="target"/>
    /// (<see cref="OutputLength"/> values).</summary>
    public abstract void Encode(ReadOnlySpan<float> keypoints, Span<float> target);

    /// <summary>One sample's model output (<see cref="OutputLength"/> values, after the activation) -> normalized
    /// keypoints (2K) and per-keypoint confidences (K; 1 where the codec has none).</summary>
    public abstract void Decode(ReadOnlySpan<float> output, Span<float> keypoints, Span<float> confidence);

    /// <summary>The values a codec stores in a model's metadata (see <see cref="KeypointModelMetadata"/>).</summary>
    public abstract KeypointModelMetadata DescribeIn(KeypointModelMetadata metadata);

    /// <summary>The codec a model's metadata describes; <paramref name="refinement"/> is the heatmap decoder's sub-cell
    /// step (ignored by coordinate models).</summary>
    public static KeypointCodec FromMetadata(KeypointModelMetadata metadata, HeatmapRefinement refinement = Transforms.KeypointDefaults.Refinement)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.OutputKind == KeypointOutputKind.Heatmaps
            ? new HeatmapCodec(metadata.KeypointCount, metadata.HeatmapHeight, metadata.HeatmapWidth, metadata.HeatmapTarget,
                metadata.OutputActivation, refinement)
            : new CoordinateCodec(metadata.KeypointCount);
    }

    /// <summary>Checks one sample's output length.</summary>
    private protected void CheckOutput(ReadOnlySpan<float> output, Span<float> keypoints, Span<float> confidence)
    {
        if (output.Length != OutputLength)
            throw new ArgumentException($"A model output has {output.Length} values; this {Kind} codec expects {OutputLength} ({string.Join(" x ", OutputShape)}).", nameof(output));
        if (keypoints.Length != 2 * KeypointCount || confidence.Length != KeypointCount)
            throw new ArgumentException($"Decoding {KeypointCount} keypoints needs {2 * KeypointCount} coordinates and {KeypointCount} confidences; got {keypoints.Length} and {confidence.Length}.");
    }
}
