using KeypointML.Geometry;
using KeypointML.Imaging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.CropToFaceBox(TransformsCatalog, FaceBoxCropOptions)"/>.</summary>
public sealed class FaceBoxCropOptions
{
    /// <summary>Input image column (as ImageAnalytics' LoadImages gives).</summary>
    public string ImageColumnName { get; set; } = KeypointColumns.Image;
    /// <summary>Input face box column, float[4] left, top, width, height; <c>null</c> = the whole image is the crop.</summary>
    public string? BoxColumnName { get; set; } = KeypointColumns.Box;
    /// <summary>Output cropped image column.</summary>
    public string OutputImageColumnName { get; set; } = KeypointColumns.CroppedImage;
    /// <summary>Output crop geometry column, float[4] X0, Y0, Width, Height (<see cref="CropGeometry.ToVector"/>).</summary>
    public string GeometryColumnName { get; set; } = KeypointColumns.CropGeometry;
    /// <summary>How far the box is scaled around its centre (1 = the box itself).</summary>
    public float Scale { get; set; } = KeypointDefaults.CropScale;
    /// <summary>Whether the crop is widened to a square of its longer side.</summary>
    public bool Square { get; set; } = KeypointDefaults.CropSquare;
    /// <summary>Grey level (0..255) of crop pixels outside the image.</summary>
    public byte Fill { get; set; } = KeypointDefaults.CropFill;
}

/// <summary>
/// Crops each image to its face box (scaled, optionally squared, filled outside the image) and writes the crop geometry,
/// so that model outputs can be mapped back to the original image. Without a box column the whole image is the crop.
/// </summary>
public sealed class FaceBoxCropEstimator : IEstimator<FaceBoxCropTransformer>
{
    internal const string Component = "CropToFaceBox";
    private readonly TransformsCatalog _catalog;
    private readonly FaceBoxCropOptions _options;
    private readonly InnerChain _chain;

    internal FaceBoxCropEstimator(TransformsCatalog catalog, FaceBoxCropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Scale > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.Scale, $"{Component}: Scale must be positive.");
        _catalog = catalog;
        _options = options;
        _chain = options.BoxColumnName is null ? WholeImageChain(catalog, options) : BoxChain(catalog, options);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckImage(inputSchema, _options.ImageColumnName, Component);
        if (_options.BoxColumnName is { } box) SchemaChecks.CheckFloatVector(inputSchema, box, Component, 4, "left, top, width, height");
        return OutputShapes.With(inputSchema,
            OutputShapes.Copy(_catalog, inputSchema, _options.ImageColumnName, _options.OutputImageColumnName),
            OutputShapes.FloatVector(_catalog, _options.GeometryColumnName, CropGeometry.VectorLength));
    }

    /// <inheritdoc />
    public FaceBoxCropTransformer Fit(IDataView input)
    {
        FaceBoxCropTransformer.Check(input.Schema, _options);
        return new FaceBoxCropTransformer(_chain.Fit(input), _options);
    }

    private static InnerChain BoxChain(TransformsCatalog catalog, FaceBoxCropOptions o) =>
        new InnerChain().Then(catalog.CopyColumns(BoxCropInput.ImageColumn, o.ImageColumnName))
            .Then(catalog.CopyColumns(BoxCropInput.BoxColumn, o.BoxColumnName!))
            .Then(PersistedParameters.Column(catalog, BoxCropInput.ParametersColumn, [o.Scale, o.Square ? 1f : 0f, o.Fill]))
            .Then(catalog.CustomMapping(BoxCropFactory.Mapping, BoxCropFactory.ContractName))
            .Then(catalog.CopyColumns(o.OutputImageColumnName, BoxCropOutput.ImageColumn))
            .Then(catalog.CopyColumns(o.GeometryColumnName, BoxCropOutput.GeometryColumn))
            .Then(catalog.DropColumns(BoxCropInput.ImageColumn, BoxCropInput.BoxColumn, BoxCropInput.ParametersColumn,
                PersistedParameters.KeyColumn, BoxCropOutput.ImageColumn, BoxCropOutput.GeometryColumn));

    private static InnerChain WholeImageChain(TransformsCatalog catalog, FaceBoxCropOptions o) =>
        new InnerChain().Then(catalog.CopyColumns(WholeImageInput.ImageColumn, o.ImageColumnName))
            .Then(catalog.CustomMapping(WholeImageFactory.Mapping, WholeImageFactory.ContractName))
            .Then(catalog.CopyColumns(o.OutputImageColumnName, o.ImageColumnName))
            .Then(catalog.CopyColumns(o.GeometryColumnName, WholeImageOutput.GeometryColumn))
            .Then(catalog.DropColumns(WholeImageInput.ImageColumn, WholeImageOutput.GeometryColumn));

    /// <summary>Mapping input: image, box and the persisted options (scale, square 0/1, fill).</summary>
    internal sealed class BoxCropInput
    {
        internal const string ImageColumn = "__keypointml_crop_image", BoxColumn = "__keypointml_crop_box", ParametersColumn = "__keypointml_crop_parameters";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
        [ColumnName(BoxColumn)] public float[] Box { get; set; } = [];
        [ColumnName(ParametersColumn)] public float[] Parameters { get; set; } = [];
    }

    /// <summary>Mapping output: the cropped image and its geometry.</summary>
    internal sealed class BoxCropOutput
    {
        internal const string ImageColumn = "__keypointml_crop_output_image", GeometryColumn = "__keypointml_crop_output_geometry";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
        [ColumnName(GeometryColumn), VectorType(CropGeometry.VectorLength)] public float[] Geometry { get; set; } = [];
    }

    /// <summary>Persistence factory of the box crop (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class BoxCropFactory : CustomMappingFactory<BoxCropInput, BoxCropOutput>
    {
        public const string ContractName = "KeypointML.CropToFaceBox";
        public static readonly Action<BoxCropInput, BoxCropOutput> Mapping = Crop;
        public override Action<BoxCropInput, BoxCropOutput> GetMapping() => Mapping;

        /// <summary>Refuses a box that cannot stand for a face in this image, naming the image and the box.</summary>
        internal static void CheckBox(float[] box, MLImage image) => CheckBox(box, image.Tag, image.Width, image.Height);

        /// <summary>As <see cref="CheckBox(float[], MLImage)"/> for an image known by its name and size.</summary>
        internal static void CheckBox(float[] box, string? imageName, int imageWidth, int imageHeight)
        {
            string where = $"{Component}: face box [{string.Join(", ", box.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] of image '{imageName}' ({imageWidth}x{imageHeight})";
            if (box.Any(v => !float.IsFinite(v))) throw new InvalidOperationException($"{where} is not finite.");
            if (box[2] < 1 || box[3] < 1) throw new InvalidOperationException($"{where} is smaller than one pixel.");
            if (Math.Max(box[2], box[3]) > KeypointDefaults.MaxBoxToImageRatio * Math.Max(imageWidth, imageHeight))
                throw new InvalidOperationException($"{where} is far larger than the image (more than {KeypointDefaults.MaxBoxToImageRatio}x its longer side).");
            double w = Math.Min(box[0] + box[2], imageWidth) - Math.Max(box[0], 0), h = Math.Min(box[1] + box[3], imageHeight) - Math.Max(box[1], 0);
            double inside = w > 0 && h > 0 ? w * h / ((double)box[2] * box[3]) : 0;
            if (inside < KeypointDefaults.MinBoxOverlap)
                throw new InvalidOperationException($"{where} lies mostly outside the image ({inside:P0} of it inside; at least {KeypointDefaults.MinBoxOverlap:P0} needed).");
        }

        private static void Crop(BoxCropInput input, BoxCropOutput output)
        {
            var image = input.Image ?? throw new InvalidOperationException($"{Component}: a row has no image (missing value in the image column).");
            if (input.Box.Length != 4)
                throw new InvalidOperationException($"{Component}: a face box has {input.Box.Length} values; expected 4 (left, top, width, height).");
            CheckBox(input.Box, image);
            float scale = input.Parameters[0];
            bool square = input.Parameters[1] != 0;
            byte fill = (byte)input.Parameters[2];
            CropGeometry geometry;
            try { geometry = CropGeometry.AroundBox(input.Box[0], input.Box[1], input.Box[2], input.Box[3], scale, square); }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"{Component}: face box [{string.Join(", ", input.Box)}] of a {image.Width}x{image.Height} image (tag '{image.Tag}') is not usable: {e.Message}", e);
            }
            output.Image = ImageCropper.Crop(image, geometry, fill);
            output.Geometry = geometry.ToVector();
        }
    }

    /// <summary>Mapping input of the whole-image case.</summary>
    internal sealed class WholeImageInput
    {
        internal const string ImageColumn = "__keypointml_whole_image";
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
    }

    /// <summary>Mapping output of the whole-image case: only the geometry (the image passes through).</summary>
    internal sealed class WholeImageOutput
    {
        internal const string GeometryColumn = "__keypointml_whole_image_geometry";
        [ColumnName(GeometryColumn), VectorType(CropGeometry.VectorLength)] public float[] Geometry { get; set; } = [];
    }

    /// <summary>Persistence factory of the whole-image geometry.</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class WholeImageFactory : CustomMappingFactory<WholeImageInput, WholeImageOutput>
    {
        public const string ContractName = "KeypointML.WholeImageGeometry";
        public static readonly Action<WholeImageInput, WholeImageOutput> Mapping = static (input, output) =>
        {
            var image = input.Image ?? throw new InvalidOperationException($"{Component}: a row has no image (missing value in the image column).");
            output.Geometry = CropGeometry.WholeImage(image.Width, image.Height).ToVector();
        };
        public override Action<WholeImageInput, WholeImageOutput> GetMapping() => Mapping;
    }
}

/// <summary>The fitted face-box crop; see <see cref="FaceBoxCropEstimator"/>.</summary>
public sealed class FaceBoxCropTransformer : ComposedTransformer
{
    private readonly FaceBoxCropOptions _options;

    internal FaceBoxCropTransformer(ITransformer inner, FaceBoxCropOptions options) : base(inner) => _options = options;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options);

    internal static void Check(DataViewSchema schema, FaceBoxCropOptions o)
    {
        SchemaChecks.CheckImage(schema, o.ImageColumnName, FaceBoxCropEstimator.Component);
        if (o.BoxColumnName is { } box) SchemaChecks.CheckFloatVector(schema, box, FaceBoxCropEstimator.Component, 4, "left, top, width, height");
    }
}
