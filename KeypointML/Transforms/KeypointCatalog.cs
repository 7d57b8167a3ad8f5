using KeypointML.Scoring;
using Microsoft.ML;

namespace KeypointML.Transforms;

/// <summary>The KeypointML components as extension methods on ML.NET's <see cref="TransformsCatalog"/>.</summary>
public static class KeypointCatalog
{
    /// <summary>
    /// Crops each image to its face box and writes the crop geometry (float[4] X0, Y0, Width, Height). Without a box
    /// column (<paramref name="boxColumnName"/> = null) the whole image is the crop.
    /// </summary>
    public static FaceBoxCropEstimator CropToFaceBox(this TransformsCatalog catalog,
        string outputImageColumnName = KeypointDefaults.CroppedImageColumn,
        string imageColumnName = KeypointDefaults.ImageColumn,
        string? boxColumnName = KeypointDefaults.BoxColumn,
        string geometryColumnName = KeypointDefaults.CropGeometryColumn,
        float scale = KeypointDefaults.CropScale,
        bool square = KeypointDefaults.CropSquare,
        byte fill = KeypointDefaults.CropFill) =>
        catalog.CropToFaceBox(new FaceBoxCropOptions
        {
            OutputImageColumnName = outputImageColumnName, ImageColumnName = imageColumnName, BoxColumnName = boxColumnName,
            GeometryColumnName = geometryColumnName, Scale = scale, Square = square, Fill = fill,
        });

    /// <summary>Crops each image to its face box; see <see cref="FaceBoxCropOptions"/>.</summary>
    public static FaceBoxCropEstimator CropToFaceBox(this TransformsCatalog catalog, FaceBoxCropOptions options) =>
        new(catalog, options);

    /// <summary>
    /// Image -> float tensor [1, <paramref name="height"/>, <paramref name="width"/>] of <c>gray / 255 - 0.5</c>
    /// (grey levels as ConvertToGrayscale computes them -> centre-aligned resize -> ExtractPixels).
    /// </summary>
    public static GrayscaleNormalizingEstimator NormalizeGrayscale(this TransformsCatalog catalog, string outputColumnName,
        string inputColumnName, int height, int width) =>
        new(catalog, outputColumnName, inputColumnName, height, width);

    /// <summary>Loads image files (text path column) into an image column and writes the image size, float[2] width, height;
    /// an unreadable file stops with an error naming it.</summary>
    public static ImageFileLoadingEstimator LoadKeypointImages(this TransformsCatalog catalog,
        string imageColumnName = KeypointDefaults.ImageColumn, string pathColumnName = KeypointDefaults.ImagePathColumn,
        string imageSizeColumnName = KeypointDefaults.ImageSizeColumn) =>
        new(catalog, imageColumnName, pathColumnName, imageSizeColumnName);

    /// <summary>Runs an exported KeypointML ONNX model on a [1, H, W] tensor column; the model file says H, W and its output.</summary>
    public static KeypointScoringEstimator ScoreKeypoints(this TransformsCatalog catalog, string modelPath,
        string outputColumnName = KeypointDefaults.ModelOutputColumn, string inputColumnName = KeypointDefaults.PixelsColumn,
        int? gpuDeviceId = null, bool fallbackToCpu = true) =>
        catalog.ScoreKeypoints(new KeypointScoringOptions
        {
            ModelPath = modelPath, OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
            GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu,
        });

    /// <summary>Runs an exported KeypointML ONNX model; see <see cref="KeypointScoringOptions"/>.</summary>
    public static KeypointScoringEstimator ScoreKeypoints(this TransformsCatalog catalog, KeypointScoringOptions options) =>
        new(catalog, options);

    /// <summary>Normalized coordinates (x0, y0, ...) -> original image pixels through the crop geometry column.</summary>
    public static CoordinateDecodingEstimator DecodeKeypointCoordinates(this TransformsCatalog catalog,
        string outputColumnName = KeypointDefaults.KeypointsColumn, string inputColumnName = KeypointDefaults.ModelOutputColumn,
        string geometryColumnName = KeypointDefaults.CropGeometryColumn) =>
        new(catalog, outputColumnName, inputColumnName, geometryColumnName);

    /// <summary>Heatmaps [K, h, w] -> keypoints in original image pixels plus confidences (peak values).</summary>
    public static HeatmapDecodingEstimator DecodeKeypointHeatmaps(this TransformsCatalog catalog, int keypointCount,
        int heatmapHeight, int heatmapWidth, HeatmapRefinement refinement = HeatmapRefinement.None) =>
        catalog.DecodeKeypointHeatmaps(new HeatmapDecodingOptions
        {
            KeypointCount = keypointCount, HeatmapHeight = heatmapHeight, HeatmapWidth = heatmapWidth, Refinement = refinement,
        });

    /// <summary>Heatmaps -> keypoints and confidences; see <see cref="HeatmapDecodingOptions"/>.</summary>
    public static HeatmapDecodingEstimator DecodeKeypointHeatmaps(this TransformsCatalog catalog, HeatmapDecodingOptions options) =>
        new(catalog, options);

    /// <summary>
    /// The whole chain for a model file: image path column -> load -> crop to <paramref name="boxColumnName"/> (null = whole
    /// image; scale and square from the model) -> normalize -> score -> decode into <c>Keypoints</c> (and <c>Confidence</c>).
    /// </summary>
    public static KeypointDetectionEstimator DetectKeypoints(this TransformsCatalog catalog, string modelPath,
        string imagePathColumnName = KeypointDefaults.ImagePathColumn, string? boxColumnName = null) =>
        catalog.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = modelPath, ImagePathColumnName = imagePathColumnName, BoxColumnName = boxColumnName,
        });

    /// <summary>The whole detection chain; see <see cref="KeypointDetectionOptions"/>.</summary>
    public static KeypointDetectionEstimator DetectKeypoints(this TransformsCatalog catalog, KeypointDetectionOptions options) =>
        new(catalog, options);
}
