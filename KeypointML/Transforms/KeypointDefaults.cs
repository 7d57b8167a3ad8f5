namespace KeypointML.Transforms;

/// <summary>Default column names and option values of every KeypointML component, in one place.</summary>
public static class KeypointDefaults
{
    /// <summary>Image file path column read by <c>DetectKeypoints</c>.</summary>
    public const string ImagePathColumn = "ImagePath";
    /// <summary>Loaded image column.</summary>
    public const string ImageColumn = "Image";
    /// <summary>Face box column: float[4] left, top, width, height in image pixels.</summary>
    public const string BoxColumn = "Box";
    /// <summary>Cropped image column.</summary>
    public const string CroppedImageColumn = "CroppedImage";
    /// <summary>Crop geometry column: float[4] = <see cref="Geometry.CropGeometry.ToVector"/>.</summary>
    public const string CropGeometryColumn = "CropGeometry";
    /// <summary>Normalized pixel tensor column: float [1, H, W].</summary>
    public const string PixelsColumn = "Pixels";
    /// <summary>Raw model output column: [2K] normalized coordinates or [K, h, w] heatmaps.</summary>
    public const string ModelOutputColumn = "ModelOutput";
    /// <summary>Decoded keypoints: float[2K] x0, y0, x1, y1, ... in original image pixels.</summary>
    public const string KeypointsColumn = "Keypoints";
    /// <summary>Per-keypoint confidence of heatmap models: float[K], the heatmap peak value.</summary>
    public const string ConfidenceColumn = "Confidence";
    /// <summary>Image size column: float[2] width, height in pixels.</summary>
    public const string ImageSizeColumn = "ImageSize";
    /// <summary>Ground-truth keypoints for evaluation, same layout as <see cref="KeypointsColumn"/>.</summary>
    public const string LabelColumn = "Label";

    /// <summary>Crop scale around the box centre when a model does not say otherwise.</summary>
    public const float CropScale = 1f;
    /// <summary>Whether crops are widened to squares.</summary>
    public const bool CropSquare = true;
    /// <summary>Grey level of crop pixels outside the image.</summary>
    public const byte CropFill = 0;
    /// <summary>Rows per ONNX Runtime run when <c>ScoreKeypoints</c> transforms an IDataView.</summary>
    public const int ScoringBatchSize = 16;
    /// <summary>Normalized error above which a sample counts as a failure, and the end of the cumulative error curve.</summary>
    public const double FailureThreshold = 0.08;
}
