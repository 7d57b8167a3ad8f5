namespace KeypointML.Codecs;

/// <summary>
/// Decodes with another codec (calibration offsets included), then corrects the points with the model's
/// <see cref="ShapePrior"/>. Outermost of the decoding chain: the prior was fitted to the calibrated points, and its
/// Gaussian model of the errors assumes no bias left. Confidences pass unchanged (from the maps' spreads).
/// </summary>
public sealed class ShapePriorCodec : PointCorrectingCodec
{
    /// <param name="inner">The codec whose points are corrected (flip averaging and offsets included, if any).</param>
    /// <param name="prior">The prior, for the same number of points.</param>
    public ShapePriorCodec(KeypointCodec inner, ShapePrior prior) : base(inner)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (inner is ShapePriorCodec) throw new ArgumentException("The codec has a shape prior already.", nameof(inner));
        if (prior.KeypointCount != inner.KeypointCount)
            throw new ArgumentException($"The shape prior is for {prior.KeypointCount} points; the model predicts {inner.KeypointCount}.", nameof(prior));
        Prior = prior;
    }

    /// <summary>The correction.</summary>
    public ShapePrior Prior { get; }

    /// <summary><paramref name="codec"/> corrected by <paramref name="prior"/>, or itself when there is none.</summary>
    public static KeypointCodec Wrap(KeypointCodec codec, ShapePrior? prior) => prior is null ? codec : new ShapePriorCodec(codec, prior);

    /// <inheritdoc />
    protected override string KindSuffix => "shape";

    /// <inheritdoc />
    protected override void Correct(Span<float> keypoints) => Prior.Apply(keypoints);

    /// <inheritdoc />
    public override Models.KeypointModelMetadata DescribeIn(Models.KeypointModelMetadata metadata) =>
        Inner.DescribeIn(metadata) with { ShapePrior = Prior };
}
