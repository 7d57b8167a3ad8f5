using KeypointML.Models;

namespace KeypointML.Codecs;

/// <summary>Coordinate regression: the model outputs the normalized keypoints themselves, <c>[2K]</c>; the target is the
/// keypoints, the decode is the identity, and there is no confidence.</summary>
public sealed class CoordinateCodec(int keypointCount) : KeypointCodec(keypointCount)
{
    /// <inheritdoc />
    public override string Kind => "coordinates";

    /// <inheritdoc />
    public override IReadOnlyList<int> OutputShape => [2 * KeypointCount];

    /// <inheritdoc />
    public override OutputActivation Activation => OutputActivation.None;

    /// <inheritdoc />
    public override bool HasConfidence => false;

    /// <inheritdoc />
    public override void Encode(ReadOnlySpan<float> keypoints, Span<float> target)
    {
        if (keypoints.Length != 2 * KeypointCount || target.Length != OutputLength)
            throw new ArgumentException($"Encoding {KeypointCount} keypoints needs {2 * KeypointCount} coordinates and a target of {OutputLength}; got {keypoints.Length} and {target.Length}.");
        keypoints.CopyTo(target);
    }

    /// <inheritdoc />
    public override void Decode(ReadOnlySpan<float> output, Span<float> keypoints, Span<float> confidence)
    {
        CheckOutput(output, keypoints, confidence);
        output.CopyTo(keypoints);
        confidence.Fill(1f);
    }

    /// <inheritdoc />
    public override KeypointModelMetadata DescribeIn(KeypointModelMetadata metadata) => metadata with
    {
        KeypointCount = KeypointCount, OutputKind = KeypointOutputKind.Coordinates, HeatmapHeight = 0, HeatmapWidth = 0,
        OutputActivation = Activation, HeatmapTarget = null,
    };
}
