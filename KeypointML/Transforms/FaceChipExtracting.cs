using KeypointML.Analysis;
using KeypointML.Imaging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace KeypointML.Transforms;

/// <summary>
/// 68 points + the image file -> the face's aligned chip as an ML.NET image column (<c>Chip</c>, an <see cref="MLImage"/> of
/// 112 x 112, BGRA): the similarity that takes the face's five points (eye centres, nose tip, mouth corners) to the
/// ArcFace 112 template (<see cref="FaceChipTemplate.ArcFace112"/>), sampled by <see cref="FaceChips.Extract"/> (bilinear,
/// black outside the image). Reads the <c>Keypoints</c> column (136 values, as <c>DetectKeypoints</c> writes them) and the
/// <c>ImagePath</c> column (the image decoded as <c>DetectKeypoints</c> decodes it, EXIF orientation applied; ML.NET's
/// <c>MLImage</c> columns of any size cannot be the input of a saveable custom mapping); the chip then feeds
/// <c>ml.Transforms.ExtractPixels</c> and a recognition model. A row without 68 finite points gets no image (null, as
/// ML.NET's <c>LoadImages</c> gives for an empty path) rather than an error, so that one failed face costs no other row.
/// Saveable with <c>mlContext.Model.Save</c> (load with <c>mlContext.RegisterKeypointComponents()</c> first).
/// </summary>
/// <remarks>One template, ArcFace 112, so that a saved pipeline knows its chip's size; other templates and sizes
/// (<see cref="FaceChipTemplate.DlibStyle"/>, <see cref="FaceChipTemplate.Resized"/>) are on <see cref="FaceChips.Extract"/>
/// and <c>Face.Chip</c>.</remarks>
public sealed class FaceChipExtractingEstimator : IEstimator<FaceChipExtractingTransformer>
{
    internal const string Component = "ExtractFaceChips";
    /// <summary>The output column.</summary>
    public const string ChipColumn = "Chip";
    private readonly TransformsCatalog _catalog;

    internal FaceChipExtractingEstimator(TransformsCatalog catalog)
    {
        _catalog = catalog;
    }

    private CustomMappingEstimator<ImageRow, ChipRow> Mapping() => _catalog.CustomMapping(ChipFactory.Mapping, ChipFactory.ContractName);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, KeypointColumns.Keypoints, Component, 0, "68 predicted points (136 values)");
        SchemaChecks.CheckText(inputSchema, KeypointColumns.ImagePath, Component, "the image file's path");
        return Mapping().GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public FaceChipExtractingTransformer Fit(IDataView input)
    {
        FaceChipExtractingTransformer.Check(input.Schema);
        return new FaceChipExtractingTransformer(Mapping().Fit(input));
    }

    internal sealed class ImageRow
    {
        [ColumnName(KeypointColumns.Keypoints)] public float[] Keypoints { get; set; } = [];
        [ColumnName(KeypointColumns.ImagePath)] public string ImagePath { get; set; } = "";
    }

    internal sealed class ChipRow
    {
        [ColumnName(ChipColumn), ImageType(112, 112)] public MLImage? Chip { get; set; }
    }

    /// <summary>Persistence factory (found by contract name when a saved model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class ChipFactory : CustomMappingFactory<ImageRow, ChipRow>
    {
        public const string ContractName = "KeypointML.ExtractFaceChips";
        public static readonly Action<ImageRow, ChipRow> Mapping = static (input, output) =>
        {
            var p = input.Keypoints;
            if (p.Length != 136 || !p.All(float.IsFinite))
            {
                output.Chip = null;   // as LoadImages gives for an empty path; ExtractPixels makes it a vector of zeros
                return;
            }
            // The library's reader (EXIF orientation applied, as DetectKeypoints saw the image): a file that cannot be
            // read raises KeypointDataException naming it, and the pipeline's bad-row handling decides.
            using var pixels = ImageFileReader.ReadPixels(input.ImagePath, static (_, _) => 1);
            var chip = FaceChips.Extract(pixels.Image, p);
            output.Chip = MLImage.CreateFromPixels(chip.Size, chip.Size, MLPixelFormat.Bgra32, chip.Pixels);
        };
        public override Action<ImageRow, ChipRow> GetMapping() => Mapping;
    }
}

/// <summary>The fitted chip extraction; see <see cref="FaceChipExtractingEstimator"/>.</summary>
public sealed class FaceChipExtractingTransformer : ComposedTransformer
{
    internal FaceChipExtractingTransformer(ITransformer inner) : base(inner)
    {
    }

    internal static void Check(DataViewSchema schema)
    {
        SchemaChecks.CheckFloatVector(schema, KeypointColumns.Keypoints, FaceChipExtractingEstimator.Component, 0, "68 predicted points (136 values)");
        SchemaChecks.CheckText(schema, KeypointColumns.ImagePath, FaceChipExtractingEstimator.Component, "the image file's path");
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema);
}
