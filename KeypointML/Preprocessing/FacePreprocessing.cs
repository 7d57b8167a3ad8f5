using KeypointML.Geometry;
using KeypointML.Models;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Preprocessing;

/// <summary>
/// The one definition of how a face in an image becomes a model's input tensor: the crop rule (the face box scaled
/// around its centre, optionally squared, filled outside the image), the resampling to the input size and the pixel
/// normalization (<see cref="GrayscaleNormalization"/>). Read from a model's metadata (<see cref="Of"/>); the training
/// loader, <c>DetectKeypoints</c> and the studies all use it, so the tensors a model is trained on and scored on are made
/// by the same code.
/// </summary>
/// <remarks>
/// Datasets without face boxes (IMM, plain image folders) carry the whole image as the box, and whole-image models
/// record scale 1 and no squaring, so for them the crop is exactly the whole image.
/// </remarks>
public sealed record FacePreprocessing
{
    /// <summary>Height of the model's input tensor [1, H, W].</summary>
    public required int InputHeight { get; init; }
    /// <summary>Width of the model's input tensor [1, H, W].</summary>
    public required int InputWidth { get; init; }
    /// <summary>How far the face box is scaled around its centre before cropping (1 = the box itself).</summary>
    public float CropScale { get; init; } = KeypointDefaults.CropScale;
    /// <summary>Whether the crop is widened to a square of its longer side.</summary>
    public bool CropSquare { get; init; } = KeypointDefaults.CropSquare;
    /// <summary>Grey level (0..255) of crop pixels outside the image.</summary>
    public byte Fill { get; init; } = KeypointDefaults.CropFill;

    /// <summary>Number of floats of one input tensor.</summary>
    public int InputLength => InputHeight * InputWidth;

    /// <summary>The preprocessing a model was trained with, from its metadata.</summary>
    public static FacePreprocessing Of(KeypointModelMetadata metadata, byte fill = KeypointDefaults.CropFill)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new FacePreprocessing
        {
            InputHeight = metadata.InputHeight, InputWidth = metadata.InputWidth,
            CropScale = metadata.CropScale, CropSquare = metadata.CropSquare, Fill = fill,
        };
    }

    /// <summary>The crop rule: the crop of the face box (left, top, width, height in image pixels).</summary>
    /// <exception cref="ArgumentException">The box has no positive size.</exception>
    public CropGeometry CropOf(ReadOnlySpan<float> box)
    {
        if (box.Length != 4) throw new ArgumentException($"A face box has 4 values (left, top, width, height); got {box.Length}.", nameof(box));
        return CropGeometry.AroundBox(box[0], box[1], box[2], box[3], CropScale, CropSquare);
    }

    /// <summary>
    /// The ML.NET steps from an image path column and a box column to the input tensor column: load
    /// (<c>LoadKeypointImages</c>, which also writes the image size) -> crop (<c>CropToFaceBox</c>, which writes the crop
    /// geometry) -> grey, resize, normalize (<c>NormalizeGrayscale</c>). The image columns are left for the caller to drop.
    /// These are the persistable steps; the engine's crop stage (<c>FaceTensorMapping</c>) computes the same columns in one.
    /// </summary>
    internal IReadOnlyList<IEstimator<ITransformer>> Steps(TransformsCatalog catalog, FacePreprocessingColumns columns) =>
    [
        new ImageFileLoadingEstimator(catalog, columns.Image, columns.ImagePath, columns.ImageSize),
        new FaceBoxCropEstimator(catalog, new FaceBoxCropOptions
        {
            ImageColumnName = columns.Image, BoxColumnName = columns.Box, OutputImageColumnName = columns.CroppedImage,
            GeometryColumnName = columns.CropGeometry, Scale = CropScale, Square = CropSquare, Fill = Fill,
        }),
        new GrayscaleNormalizingEstimator(catalog, columns.Pixels, columns.CroppedImage, InputHeight, InputWidth),
    ];
}

/// <summary>The columns <see cref="FacePreprocessing.Steps"/> reads and writes; <c>Box</c> null = the whole image is the crop.
/// <c>Error</c> (fast steps only): a text column that says why a row could not be made into a tensor (its tensor is then NaN);
/// null = such a row throws.</summary>
internal sealed record FacePreprocessingColumns(string ImagePath, string? Box, string Image, string ImageSize, string CroppedImage,
    string CropGeometry, string Pixels, string? Error = null);
