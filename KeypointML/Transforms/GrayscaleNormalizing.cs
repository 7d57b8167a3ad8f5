using KeypointML.Imaging;
using KeypointML.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace KeypointML.Transforms;

/// <summary>
/// Image -> float tensor [1, H, W] with values <c>gray / 255 - 0.5</c> (<see cref="GrayscaleNormalization"/>), resized to
/// the model's input size: grey levels (<see cref="ImageGrayscale"/>, ConvertToGrayscale's arithmetic) resized by
/// <see cref="ImageResampler"/> (centre-aligned, so crop edges map to tensor edges and normalized coordinates survive) ->
/// ImageAnalytics' ExtractPixels (one channel, offset and scale). Training and inference both build their tensors with it.
/// </summary>
/// <remarks>
/// ImageAnalytics' ConvertToGrayscale is not used: in ML.NET 5.0.1 it can corrupt the native heap when a garbage
/// collection runs while it converts (see <see cref="ImageGrayscale"/>). Models saved before keep their ConvertToGrayscale
/// step and the <see cref="ResizeFactory"/> mapping; they still load.
/// </remarks>
public sealed class GrayscaleNormalizingEstimator : IEstimator<GrayscaleNormalizingTransformer>
{
    internal const string Component = "NormalizeGrayscale";

    /// <summary>
    /// ExtractPixels in ML.NET 5.0.1 computes <c>(pixel - offset) * scale</c> (measured: grey 0 gave +0.5 with offset
    /// -127.5), so the offset it takes is the negated <see cref="GrayscaleNormalization.Offset"/>.
    /// </summary>
    internal const float ExtractPixelsOffset = -GrayscaleNormalization.Offset;

    private const string SizedColumn = "__keypointml_sized";
    private readonly TransformsCatalog _catalog;
    private readonly string _inputColumn, _outputColumn;
    private readonly int _height, _width;
    private readonly InnerChain _chain;

    internal GrayscaleNormalizingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"{Component}: the tensor size must be positive; got {height} x {width}.");
        (_catalog, _inputColumn, _outputColumn, _height, _width) = (catalog, inputColumnName, outputColumnName, height, width);
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(ResizeInput.ImageColumn, inputColumnName))
            .Then(PersistedParameters.Column(catalog, ResizeInput.ParametersColumn, [height, width]))
            .Then(catalog.CustomMapping(GrayResizeFactory.Mapping, GrayResizeFactory.ContractName))
            // ExtractPixels needs a known-size image type, which only ImageAnalytics can declare: ResizeImages to the size
            // the image already has only declares it (Skia returns same-size images unchanged, checked by the tests).
            .Then(catalog.ResizeImages(SizedColumn, width, height, ResizeOutput.ImageColumn, ImageResizingEstimator.ResizingKind.Fill))
            // Grey images have R = G = B: one channel gives the [1, H, W] tensor.
            .Then(catalog.ExtractPixels(outputColumnName, SizedColumn, ImagePixelExtractingEstimator.ColorBits.Red,
                offsetImage: ExtractPixelsOffset, scaleImage: GrayscaleNormalization.Scale, outputAsFloatArray: true))
            .Then(catalog.DropColumns(ResizeInput.ImageColumn, ResizeInput.ParametersColumn, PersistedParameters.KeyColumn,
                ResizeOutput.ImageColumn, SizedColumn));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckImage(inputSchema, _inputColumn, Component);
        return OutputShapes.With(inputSchema, OutputShapes.FloatVector(_catalog, _outputColumn, _height * _width));
    }

    /// <inheritdoc />
    public GrayscaleNormalizingTransformer Fit(IDataView input)
    {
        SchemaChecks.CheckImage(input.Schema, _inputColumn, Component);
        return new GrayscaleNormalizingTransformer(_chain.Fit(input), _inputColumn);
    }

    /// <summary>Mapping input: the image and the persisted target size (height, width).</summary>
    internal sealed class ResizeInput
    {
        internal const string ImageColumn = "__keypointml_resize_image", ParametersColumn = "__keypointml_resize_parameters";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
        [ColumnName(ParametersColumn)] public float[] Parameters { get; set; } = [];
    }

    /// <summary>Mapping output: the resized (grey) image. A new image: the mapping never passes its input on.</summary>
    internal sealed class ResizeOutput
    {
        internal const string ImageColumn = "__keypointml_resized";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
    }

    /// <summary>
    /// Persistence factory of the grey conversion and resize (found by contract name when a model is loaded): the grey
    /// levels of the input (<see cref="ImageGrayscale.Levels"/>) resized by <see cref="ImageResampler"/>, as an opaque
    /// image with R = G = B in the input's pixel format.
    /// </summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class GrayResizeFactory : CustomMappingFactory<ResizeInput, ResizeOutput>
    {
        public const string ContractName = "KeypointML.GrayscaleResize";
        public static readonly Action<ResizeInput, ResizeOutput> Mapping = static (input, output) =>
        {
            var image = input.Image ?? throw new InvalidOperationException($"{Component}: a row has no image (missing value in the image column).");
            var levels = ImageGrayscale.Levels(image);
            output.Image = ImageResampler.ResizeLevels(levels, image.Width, image.Height,
                (int)input.Parameters[1], (int)input.Parameters[0], image.PixelFormat);
        };
        public override Action<ResizeInput, ResizeOutput> GetMapping() => Mapping;
    }

    /// <summary>
    /// Persistence factory of the resize alone, after ImageAnalytics' ConvertToGrayscale: the chain of models saved before
    /// <see cref="GrayResizeFactory"/> (kept so that they load).
    /// </summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class ResizeFactory : CustomMappingFactory<ResizeInput, ResizeOutput>
    {
        public const string ContractName = "KeypointML.Resize";
        public static readonly Action<ResizeInput, ResizeOutput> Mapping = static (input, output) =>
        {
            var image = input.Image ?? throw new InvalidOperationException($"{Component}: a row has no image (missing value in the image column).");
            output.Image = ImageResampler.Resize(image, (int)input.Parameters[1], (int)input.Parameters[0]);
        };
        public override Action<ResizeInput, ResizeOutput> GetMapping() => Mapping;
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
