using KeypointML.Codecs;
using KeypointML.Models;
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
        string outputImageColumnName = KeypointColumns.CroppedImage,
        string imageColumnName = KeypointColumns.Image,
        string? boxColumnName = KeypointColumns.Box,
        string geometryColumnName = KeypointColumns.CropGeometry,
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
        string imageColumnName = KeypointColumns.Image, string pathColumnName = KeypointColumns.ImagePath,
        string imageSizeColumnName = KeypointColumns.ImageSize) =>
        new(catalog, imageColumnName, pathColumnName, imageSizeColumnName);

    /// <summary>Runs an exported KeypointML ONNX model on a [1, H, W] tensor column; the model file says H, W and its output.</summary>
    public static KeypointScoringEstimator ScoreKeypoints(this TransformsCatalog catalog, string modelPath,
        string outputColumnName = KeypointColumns.ModelOutput, string inputColumnName = KeypointColumns.Pixels,
        int? gpuDeviceId = null, bool fallbackToCpu = true) =>
        catalog.ScoreKeypoints(new KeypointScoringOptions
        {
            ModelPath = modelPath, OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
            GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu,
        });

    /// <summary>Runs an opened model (shared; the caller disposes it) on a [1, H, W] tensor column.</summary>
    public static KeypointScoringEstimator ScoreKeypoints(this TransformsCatalog catalog, KeypointModel model,
        string outputColumnName = KeypointColumns.ModelOutput, string inputColumnName = KeypointColumns.Pixels) =>
        catalog.ScoreKeypoints(new KeypointScoringOptions { Model = model, OutputColumnName = outputColumnName, InputColumnName = inputColumnName });

    /// <summary>Runs an exported KeypointML ONNX model; see <see cref="KeypointScoringOptions"/>.</summary>
    public static KeypointScoringEstimator ScoreKeypoints(this TransformsCatalog catalog, KeypointScoringOptions options) =>
        new(catalog, options);

    /// <summary>Model output -> keypoints in original image pixels (and confidences, for codecs that have them), decoded
    /// by <paramref name="codec"/> (<see cref="KeypointModel.Codec(HeatmapRefinement?, bool, bool)"/> gives a model's own) through the crop geometry.</summary>
    public static KeypointDecodingEstimator DecodeKeypoints(this TransformsCatalog catalog, KeypointCodec codec,
        string outputColumnName = KeypointColumns.Keypoints, string inputColumnName = KeypointColumns.ModelOutput,
        string geometryColumnName = KeypointColumns.CropGeometry) =>
        catalog.DecodeKeypoints(new KeypointDecodingOptions
        {
            Codec = codec, OutputColumnName = outputColumnName, InputColumnName = inputColumnName, GeometryColumnName = geometryColumnName,
        });

    /// <summary>Model output -> keypoints and confidences; see <see cref="KeypointDecodingOptions"/>.</summary>
    public static KeypointDecodingEstimator DecodeKeypoints(this TransformsCatalog catalog, KeypointDecodingOptions options) =>
        new(catalog, options);

    /// <summary>
    /// The whole chain for a model file: image path column -> load -> crop to <paramref name="boxColumnName"/> (null = whole
    /// image; scale and square from the model) -> normalize -> score -> decode with the model's codec into <c>Keypoints</c> (and <c>Confidence</c>).
    /// </summary>
    public static KeypointDetectionEstimator DetectKeypoints(this TransformsCatalog catalog, string modelPath,
        string imagePathColumnName = KeypointColumns.ImagePath, string? boxColumnName = null) =>
        catalog.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = modelPath, ImagePathColumnName = imagePathColumnName, BoxColumnName = boxColumnName,
        });

    /// <summary>The whole chain for an opened model (shared; the caller disposes it); see the overload with a path.</summary>
    public static KeypointDetectionEstimator DetectKeypoints(this TransformsCatalog catalog, KeypointModel model,
        string imagePathColumnName = KeypointColumns.ImagePath, string? boxColumnName = null) =>
        catalog.DetectKeypoints(new KeypointDetectionOptions
        {
            Model = model, ImagePathColumnName = imagePathColumnName, BoxColumnName = boxColumnName,
        });

    /// <summary>The whole detection chain; see <see cref="KeypointDetectionOptions"/>.</summary>
    public static KeypointDetectionEstimator DetectKeypoints(this TransformsCatalog catalog, KeypointDetectionOptions options) =>
        new(catalog, options);

    /// <summary>Image path -> every face's box, score and detector keypoints (vectors on the image's row); see
    /// <see cref="FaceDetectingOptions"/>. <paramref name="detectorPath"/>: e.g. <c>ShippedModels.Path("blazeface-front")</c>.</summary>
    public static FaceDetectingEstimator DetectFaces(this TransformsCatalog catalog, string detectorPath,
        string imagePathColumnName = KeypointColumns.ImagePath) =>
        catalog.DetectFaces(new FaceDetectingOptions { DetectorPath = detectorPath, ImagePathColumnName = imagePathColumnName });

    /// <summary>Image path -> every face's box, score and detector keypoints; see <see cref="FaceDetectingOptions"/>.</summary>
    public static FaceDetectingEstimator DetectFaces(this TransformsCatalog catalog, FaceDetectingOptions options) =>
        new(catalog, options);

    /// <summary>One row per image (with <c>DetectFaces</c>' vectors) -> one row per face with its <c>Box</c> mapped to the
    /// 300-W convention of the 68-point models; see <see cref="FaceExpandingOptions"/>.</summary>
    public static FaceExpandingEstimator ExpandFaces(this TransformsCatalog catalog, FaceExpandingOptions? options = null) =>
        new(options ?? new FaceExpandingOptions());

    /// <summary>68 predicted points -> <c>Yaw</c>, <c>Pitch</c>, <c>Roll</c> (degrees) and <c>EyeRight</c>, <c>EyeLeft</c>,
    /// <c>Mouth</c> (aspect ratios): head pose and eye and mouth openness, after <c>DetectKeypoints</c>; see
    /// <see cref="FaceAnalyzingEstimator"/> and docs/face-analysis.md.</summary>
    public static FaceAnalyzingEstimator AnalyzeFaces(this TransformsCatalog catalog) => new(catalog);

    /// <summary>68 predicted points and the <c>Image</c> column (ML.NET's <c>LoadImages</c>) -> <c>Chip</c>: the face aligned
    /// to the ArcFace 112 x 112 template, an image column for <c>ExtractPixels</c> and a recognition model; see
    /// <see cref="FaceChipExtractingEstimator"/> and docs/face-analysis.md.</summary>
    public static FaceChipExtractingEstimator ExtractFaceChips(this TransformsCatalog catalog) => new(catalog);
}
