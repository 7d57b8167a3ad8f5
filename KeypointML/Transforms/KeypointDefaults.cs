using KeypointML.Codecs;

namespace KeypointML.Transforms;

/// <summary>Default option values of every KeypointML component, in one place (column names: <see cref="KeypointColumns"/>).</summary>
public static class KeypointDefaults
{
    /// <summary>Crop scale around the box centre when a model does not say otherwise.</summary>
    public const float CropScale = 1f;
    /// <summary>Whether crops are widened to squares.</summary>
    public const bool CropSquare = true;
    /// <summary>Grey level of crop pixels outside the image.</summary>
    public const byte CropFill = 0;
    /// <summary>Sub-cell refinement of heatmap peaks: the best measured, so a user gets the best result without options
    /// (ibug68-heatmap on the 122 held-out validation faces: DARK 3.156%, log-parabola 3.222%, plain argmax 3.665%).</summary>
    public const HeatmapRefinement Refinement = HeatmapRefinement.Dark;
    /// <summary>Whether the decoders apply a model's face-shape prior (<see cref="Codecs.ShapePrior"/>) when it carries one:
    /// on, as it measured better held out on every 68-point model it was fitted to (models/*.md).</summary>
    public const bool ApplyShapePrior = true;
    /// <summary>Largest image, in pixels, that is decoded (100 megapixels): a larger one is refused before its pixels are
    /// allocated (4 bytes each).</summary>
    public const long MaxImagePixels = 100_000_000;
    /// <summary>Least share of a face box's area that must lie inside the image (detector boxes may cross its edges; a box
    /// mostly outside it is a mistake, and scoring it would give points far off the image).</summary>
    public const double MinBoxOverlap = 0.1;
    /// <summary>Largest face box side, in multiples of the image's longer side (a box far larger than the image is a
    /// mistake, and its crop would cost gigabytes).</summary>
    public const double MaxBoxToImageRatio = 10;
    /// <summary>Rows per ONNX Runtime run when <c>ScoreKeypoints</c> transforms an IDataView.</summary>
    public const int ScoringBatchSize = 16;
    /// <summary>Whether <c>DetectKeypoints</c> decodes JPEGs at a reduced scale when the crop allows (off: the pixels a model
    /// sees are those it was trained on).</summary>
    public const bool ReducedDecoding = false;
    /// <summary>What <c>DetectKeypoints</c> does with a row it cannot score: keep it, marked (batch scoring finishes).</summary>
    public const BadRowPolicy OnBadRow = BadRowPolicy.Mark;
    /// <summary>Normalized error above which a sample counts as a failure, and the end of the cumulative error curve.</summary>
    public const double FailureThreshold = 0.08;
}
