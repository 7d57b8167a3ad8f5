using KeypointML.Imaging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>
/// Loads image files like ImageAnalytics' LoadImages, but an unreadable or missing file stops the cursor with an error
/// that names the file (LoadImages reports a bad file without its name). Also writes the image size, float[2]
/// (width, height), which evaluation needs for the normalized MSE.
/// </summary>
public sealed class ImageFileLoadingEstimator : IEstimator<ImageFileLoadingTransformer>
{
    internal const string Component = "LoadKeypointImages";
    private readonly TransformsCatalog _catalog;
    private readonly string _pathColumn, _imageColumn, _sizeColumn;
    private readonly InnerChain _chain;

    internal ImageFileLoadingEstimator(TransformsCatalog catalog, string imageColumnName, string pathColumnName, string imageSizeColumnName)
    {
        _catalog = catalog;
        (_pathColumn, _imageColumn, _sizeColumn) = (pathColumnName, imageColumnName, imageSizeColumnName);
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(LoadInput.PathColumn, pathColumnName))
            .Then(catalog.CustomMapping(Factory.Mapping, Factory.ContractName))
            .Then(catalog.CopyColumns(imageColumnName, LoadOutput.ImageColumn))
            .Then(catalog.CopyColumns(imageSizeColumnName, LoadOutput.SizeColumn))
            .Then(catalog.DropColumns(LoadInput.PathColumn, LoadOutput.ImageColumn, LoadOutput.SizeColumn));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckText(inputSchema, _pathColumn, Component, "image file path");
        var template = _catalog.CustomMapping<PersistedParameters.NoInput, LoadOutput>(static (_, _) => { }, null)
            .GetOutputSchema(new SchemaShape([]));
        var withImage = OutputShapes.With(inputSchema, template.Single(c => c.Name == LoadOutput.ImageColumn));
        return OutputShapes.With(inputSchema,
            OutputShapes.Copy(_catalog, withImage, LoadOutput.ImageColumn, _imageColumn),
            OutputShapes.FloatVector(_catalog, _sizeColumn, 2));
    }

    /// <inheritdoc />
    public ImageFileLoadingTransformer Fit(IDataView input)
    {
        SchemaChecks.CheckText(input.Schema, _pathColumn, Component, "image file path");
        return new ImageFileLoadingTransformer(_chain.Fit(input), _pathColumn);
    }

    /// <summary>Mapping input: the file path.</summary>
    internal sealed class LoadInput
    {
        internal const string PathColumn = "__keypointml_image_path";
        [ColumnName(PathColumn)] public string Path { get; set; } = "";
    }

    /// <summary>Mapping output: the image and its size.</summary>
    internal sealed class LoadOutput
    {
        internal const string ImageColumn = "__keypointml_loaded_image", SizeColumn = "__keypointml_image_size";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
        [ColumnName(SizeColumn), VectorType(2)] public float[] Size { get; set; } = [];
    }

    /// <summary>Persistence factory (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class Factory : CustomMappingFactory<LoadInput, LoadOutput>
    {
        public const string ContractName = "KeypointML.LoadImage";
        public static readonly Action<LoadInput, LoadOutput> Mapping = static (input, output) =>
        {
            MLImage image;
            try { image = ImageFileReader.Read(input.Path); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The reason says what is wrong (not found, a folder, empty, not an image, truncated); the path is in it.
                throw new InvalidDataException($"{Component}: image '{input.Path}' could not be read: {e.Message}", e);
            }
            image.Tag = input.Path;
            output.Image = image;
            output.Size = [image.Width, image.Height];
        };
        public override Action<LoadInput, LoadOutput> GetMapping() => Mapping;
    }
}

/// <summary>The fitted image loader; see <see cref="ImageFileLoadingEstimator"/>.</summary>
public sealed class ImageFileLoadingTransformer : ComposedTransformer
{
    private readonly string _pathColumn;

    internal ImageFileLoadingTransformer(ITransformer inner, string pathColumn) : base(inner) => _pathColumn = pathColumn;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) =>
        SchemaChecks.CheckText(inputSchema, _pathColumn, ImageFileLoadingEstimator.Component, "image file path");
}
