namespace KeypointML.Codecs;

/// <summary>
/// Decodes with another codec, then subtracts the model's calibration offsets from its points (normalized crop
/// coordinates): the model's mean error on its own training faces, per point or one for all, measured once when it is
/// shipped (<c>keypointml ship --calibrate</c>) and kept in its metadata (<see cref="Models.KeypointModelMetadata.Offsets"/>).
/// </summary>
/// <remarks>
/// <para>Why a trained model has one: horizontal flips in training. If the labels sit a constant c to the right of
/// where a mirror-symmetric reading of the face puts them (an annotation or rounding convention), a flipped face's
/// mirrored labels sit c to the left; a network that cannot tell a face from its mirror learns the middle and misses
/// every label by -c. The 68-point models show it on their own training faces: about -0.6 px in x and under 0.13 px in
/// y (which flips do not touch). Per point, the same holds for each pair of mirrored points. Removing it is the
/// calibration; the flip averaging of test time does not (its mirror pass has the same bias, because the network learned
/// the middle of the two conventions), so this codec goes outside <see cref="FlipAveragingCodec"/>.</para>
/// </remarks>
public sealed class OffsetCorrectedCodec : PointCorrectingCodec
{
    /// <param name="inner">The model's codec (flip averaging included, if any).</param>
    /// <param name="offsets">Subtracted from the decoded points: one (x, y) for all, or one per point.</param>
    public OffsetCorrectedCodec(KeypointCodec inner, CalibrationOffsets offsets) : base(inner)
    {
        if (inner is OffsetCorrectedCodec) throw new ArgumentException("The codec is corrected already.", nameof(inner));
        if (!offsets.Fits(inner.KeypointCount))
            throw new ArgumentException($"{offsets.Values.Length} offset values do not fit a model of {inner.KeypointCount} points (2 or {2 * inner.KeypointCount}).", nameof(offsets));
        Offsets = offsets;
    }

    /// <param name="inner">The model's codec.</param>
    /// <param name="offsetX">Subtracted from every decoded x (normalized crop coordinates).</param>
    /// <param name="offsetY">Subtracted from every decoded y.</param>
    public OffsetCorrectedCodec(KeypointCodec inner, float offsetX, float offsetY) : this(inner, CalibrationOffsets.Uniform(offsetX, offsetY)) { }

    /// <summary>What is subtracted from each point.</summary>
    public CalibrationOffsets Offsets { get; }

    /// <summary><paramref name="codec"/> corrected by <paramref name="offsets"/>, or itself when there is none.</summary>
    public static KeypointCodec Wrap(KeypointCodec codec, CalibrationOffsets offsets) =>
        offsets.IsNone ? codec : new OffsetCorrectedCodec(codec, offsets);

    /// <inheritdoc />
    protected override string KindSuffix => "offset";

    /// <inheritdoc />
    protected override void Correct(Span<float> keypoints)
    {
        for (int i = 0; i < KeypointCount; i++)
        {
            var (x, y) = Offsets[i];
            keypoints[2 * i] -= x;
            keypoints[2 * i + 1] -= y;
        }
    }

    /// <inheritdoc />
    public override Models.KeypointModelMetadata DescribeIn(Models.KeypointModelMetadata metadata) =>
        Inner.DescribeIn(metadata) with { Offsets = Offsets };
}
