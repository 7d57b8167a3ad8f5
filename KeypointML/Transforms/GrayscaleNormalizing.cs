using KeypointML.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KeypointML.Transforms;

/// <summary>
/// Image -> float tensor [1, H, W] with values <c>gray / 255 - 0.5</c> (<see cref="GrayscaleNormalization"/>), resized to
/// the model's input size. It is only ImageAnalytics: ResizeImages (stretch, so crop edges map to tensor edges and
/// normalized coordinates survive) -> ConvertToGrayscale -> ExtractPixels (one channel, offset then scale). Training and
/// inference both build their tensors with it.
/// </summary>
public sealed class GrayscaleNormalizingEstimator : IEstimator<GrayscaleNormalizingTransformer>
{
    internal const string Component = "NormalizeGrayscale";
    private const string ResizedColumn = "__keypointml_resized", GrayColumn = "__keypointml_gray";
    private readonly string _inputColumn;
    private readonly IEstimator<ITransformer> _chain;

    /// <summary>
    /// ExtractPixels in ML.NET 5.0.1 computes <c>(pixel - offset) * scale</c> (measured: grey 0 gave +0.5 with offset
    /// -127.5), so the offset it takes is the negated <see cref="GrayscaleNormalization.Offset"/>.
    /// </summary>
    internal const float ExtractPixelsOffset = -GrayscaleNormalization.Offset;

    internal GrayscaleNormalizingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"{Component}: the tensor size must be positive; got {height} x {width}.");
        _inputColumn = inputColumnName;
        _chain = catalog.ResizeImages(ResizedColumn, width, height, inputColumnName, ImageResizingEstimator.ResizingKind.Fill)
            .Append(catalog.ConvertToGrayscale(GrayColumn, ResizedColumn))
            // Grey images have R = G = B: one channel gives the [1, H, W] tensor.
            .Append(catalog.ExtractPixels(outputColumnName, GrayColumn, ImagePixelExtractingEstimator.ColorBits.Red,
                offsetImage: ExtractPixelsOffset, scaleImage: GrayscaleNormalization.Scale, outputAsFloatArray: true))
            .Append(catalog.DropColumns(ResizedColumn, GrayColumn));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckImage(inputSchema, _inputColumn, Component);
        return _chain.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public GrayscaleNormalizingTransformer Fit(IDataView input)
    {
        SchemaChecks.CheckImage(input.Schema, _inputColumn, Component);
        return new GrayscaleNormalizingTransformer(_chain.Fit(input), _inputColumn);
    }
}

/// <summary>The fitted normalization; see <see cref="GrayscaleNormalizingEstimator"/>.</summary>
public sealed class GrayscaleNormalizingTransformer : ComposedTransformer
{
    private readonly string _inputColumn;

    internal GrayscaleNormalizingTransformer(ITransformer inner, string inputColumn) : base(inner) => _inputColumn = inputColumn;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) =>
        SchemaChecks.CheckImage(inputSchema, _inputColumn, GrayscaleNormalizingEstimator.Component);
}
