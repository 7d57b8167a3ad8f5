namespace KeypointML.Codecs;

/// <summary>
/// A codec that decodes with another one, then corrects the decoded points (normalized crop coordinates) in place:
/// what the calibration offsets (<see cref="OffsetCorrectedCodec"/>) and the shape prior (<see cref="ShapePriorCodec"/>)
/// share. Output shape, activation and confidences are the inner codec's; such a correction is measured on a trained
/// model, so it is not a training target.
/// </summary>
public abstract class PointCorrectingCodec : KeypointCodec
{
    /// <param name="inner">The codec whose points are corrected.</param>
    protected PointCorrectingCodec(KeypointCodec inner) : base(inner.KeypointCount) => Inner = inner;

    /// <summary>The codec whose points are corrected.</summary>
    public KeypointCodec Inner { get; }

    /// <summary>Corrects one face's decoded points in place.</summary>
    protected abstract void Correct(Span<float> keypoints);

    /// <summary>What the correction adds to the inner codec's kind ("offset", "shape").</summary>
    protected abstract string KindSuffix { get; }

    /// <inheritdoc />
    public sealed override string Kind => Inner.Kind + "+" + KindSuffix;
    /// <inheritdoc />
    public sealed override IReadOnlyList<int> OutputShape => Inner.OutputShape;
    /// <inheritdoc />
    public sealed override OutputActivation Activation => Inner.Activation;
    /// <inheritdoc />
    public sealed override bool HasConfidence => Inner.HasConfidence;

    /// <summary>Not a training target: the correction is measured on a trained model; train with its own codec.</summary>
    public sealed override void Encode(ReadOnlySpan<float> keypoints, Span<float> target) =>
        throw new NotSupportedException($"The {KindSuffix} correction is an inference-time decode; train with the model's own codec.");

    /// <inheritdoc />
    public sealed override void Decode(ReadOnlySpan<float> output, Span<float> keypoints, Span<float> confidence)
    {
        Inner.Decode(output, keypoints, confidence);
        Correct(keypoints);
    }
}
