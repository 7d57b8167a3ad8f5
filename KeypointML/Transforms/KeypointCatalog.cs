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
    /// (ResizeImages -> ConvertToGrayscale -> ExtractPixels).
    /// </summary>
    public static GrayscaleNormalizingEstimator NormalizeGrayscale(this TransformsCatalog catalog, string outputColumnName,
        string inputColumnName, int height, int width) =>
        new(catalog, outputColumnName, inputColumnName, height, width);
}
