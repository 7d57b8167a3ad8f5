using KeypointML.Geometry;
using KeypointML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.DecodeKeypointHeatmaps(TransformsCatalog, HeatmapDecodingOptions)"/>.</summary>
public sealed class HeatmapDecodingOptions
{
    /// <summary>Number of heatmaps (keypoints) per row.</summary>
    public required int KeypointCount { get; set; }
    /// <summary>Heatmap height in cells.</summary>
    public required int HeatmapHeight { get; set; }
    /// <summary>Heatmap width in cells.</summary>
    public required int HeatmapWidth { get; set; }
    /// <summary>Input heatmap column, float [K, h, w].</summary>
    public string InputColumnName { get; set; } = KeypointDefaults.ModelOutputColumn;
    /// <summary>Crop geometry column, float[4].</summary>
    public string GeometryColumnName { get; set; } = KeypointDefaults.CropGeometryColumn;
    /// <summary>Output keypoints column, float[2K] in original image pixels.</summary>
    public string OutputColumnName { get; set; } = KeypointDefaults.KeypointsColumn;
    /// <summary>Output confidence column, float[K]: each heatmap's peak value.</summary>
    public string ConfidenceColumnName { get; set; } = KeypointDefaults.ConfidenceColumn;
    /// <summary>Sub-cell refinement; plain argmax by default.</summary>
    public HeatmapRefinement Refinement { get; set; } = HeatmapRefinement.None;
}

/// <summary>
/// Heatmaps -> keypoints in original image pixels (argmax per map, optional refinement, then the crop geometry) plus a
/// per-keypoint confidence, the peak value.
/// </summary>
public sealed class HeatmapDecodingEstimator : IEstimator<HeatmapDecodingTransformer>
{
    internal const string Component = "DecodeKeypointHeatmaps";
    private readonly TransformsCatalog _catalog;
    private readonly HeatmapDecodingOptions _options;
    private readonly InnerChain _chain;

    internal HeatmapDecodingEstimator(TransformsCatalog catalog, HeatmapDecodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeypointCount <= 0 || options.HeatmapHeight <= 0 || options.HeatmapWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"{Component}: keypoint count and heatmap size must be positive; got {options.KeypointCount} maps of {options.HeatmapHeight}x{options.HeatmapWidth}.");
        _catalog = catalog;
        _options = options;
        float[] parameters = [options.KeypointCount, options.HeatmapHeight, options.HeatmapWidth, (float)options.Refinement];
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(DecodeInput.HeatmapsColumn, options.InputColumnName))
            .Then(catalog.CopyColumns(DecodeInput.GeometryColumn, options.GeometryColumnName))
            .Then(PersistedParameters.Column(catalog, DecodeInput.ParametersColumn, parameters))
            .Then(catalog.CustomMapping(Factory.Mapping, Factory.ContractName))
            .Then(catalog.CopyColumns(options.OutputColumnName, DecodeOutput.KeypointsColumn))
            .Then(catalog.CopyColumns(options.ConfidenceColumnName, DecodeOutput.ConfidenceColumn))
            .Then(catalog.DropColumns(DecodeInput.HeatmapsColumn, DecodeInput.GeometryColumn, DecodeInput.ParametersColumn,
                PersistedParameters.KeyColumn, DecodeOutput.KeypointsColumn, DecodeOutput.ConfidenceColumn));
    }

    internal int HeatmapLength => _options.KeypointCount * _options.HeatmapHeight * _options.HeatmapWidth;

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, _options.InputColumnName, Component, HeatmapLength, HeatmapMeaning(_options));
        SchemaChecks.CheckFloatVector(inputSchema, _options.GeometryColumnName, Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
        return OutputShapes.With(inputSchema,
            OutputShapes.FloatVector(_catalog, _options.OutputColumnName, 0),
            OutputShapes.FloatVector(_catalog, _options.ConfidenceColumnName, 0));
    }

    /// <inheritdoc />
    public HeatmapDecodingTransformer Fit(IDataView input)
    {
        HeatmapDecodingTransformer.Check(input.Schema, _options);
        return new HeatmapDecodingTransformer(_chain.Fit(input), _options);
    }

    internal static string HeatmapMeaning(HeatmapDecodingOptions o) => $"{o.KeypointCount} heatmaps of {o.HeatmapHeight}x{o.HeatmapWidth}";

    /// <summary>Mapping input: heatmaps, crop geometry and the persisted options (K, h, w, refinement).</summary>
    public sealed class DecodeInput
    {
        internal const string HeatmapsColumn = "__keypointml_heatmaps", GeometryColumn = "__keypointml_heatmap_geometry",
            ParametersColumn = "__keypointml_heatmap_parameters";
        [ColumnName(HeatmapsColumn)] public float[] Heatmaps { get; set; } = [];
        [ColumnName(GeometryColumn)] public float[] Geometry { get; set; } = [];
        [ColumnName(ParametersColumn)] public float[] Parameters { get; set; } = [];
    }

    /// <summary>Mapping output: keypoints in image pixels and confidences.</summary>
    public sealed class DecodeOutput
    {
        internal const string KeypointsColumn = "__keypointml_heatmap_keypoints", ConfidenceColumn = "__keypointml_heatmap_confidence";
        [ColumnName(KeypointsColumn)] public float[] Keypoints { get; set; } = [];
        [ColumnName(ConfidenceColumn)] public float[] Confidence { get; set; } = [];
    }

    /// <summary>Persistence factory (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    public sealed class Factory : CustomMappingFactory<DecodeInput, DecodeOutput>
    {
        public const string ContractName = "KeypointML.DecodeHeatmaps";
        public static readonly Action<DecodeInput, DecodeOutput> Mapping = static (input, output) =>
        {
            int k = (int)input.Parameters[0], h = (int)input.Parameters[1], w = (int)input.Parameters[2];
            var normalized = new float[2 * k];
            var confidence = new float[k];
            HeatmapDecoder.Decode(input.Heatmaps, k, h, w, (HeatmapRefinement)(int)input.Parameters[3], normalized, confidence);
            output.Keypoints = CropGeometry.FromVector(input.Geometry).KeypointsFromNormalized(normalized);
            output.Confidence = confidence;
        };
        public override Action<DecodeInput, DecodeOutput> GetMapping() => Mapping;
    }
}

/// <summary>The fitted heatmap decoder; see <see cref="HeatmapDecodingEstimator"/>.</summary>
public sealed class HeatmapDecodingTransformer : ComposedTransformer
{
    private readonly HeatmapDecodingOptions _options;

    internal HeatmapDecodingTransformer(ITransformer inner, HeatmapDecodingOptions options) : base(inner) => _options = options;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options);

    internal static void Check(DataViewSchema schema, HeatmapDecodingOptions o)
    {
        int length = o.KeypointCount * o.HeatmapHeight * o.HeatmapWidth;
        SchemaChecks.CheckFloatVector(schema, o.InputColumnName, HeatmapDecodingEstimator.Component, length, HeatmapDecodingEstimator.HeatmapMeaning(o));
        SchemaChecks.CheckFloatVector(schema, o.GeometryColumnName, HeatmapDecodingEstimator.Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
    }
}
