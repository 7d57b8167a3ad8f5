using KeypointML.Geometry;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>
/// Normalized crop coordinates (a coordinate model's output, x0, y0, x1, y1, ...) -> pixel coordinates in the original
/// image, through the crop geometry column (<see cref="CropGeometry.FromNormalized"/>; the resize needs no undoing
/// because normalized coordinates do not change with it).
/// </summary>
public sealed class CoordinateDecodingEstimator : IEstimator<CoordinateDecodingTransformer>
{
    internal const string Component = "DecodeKeypointCoordinates";
    private readonly TransformsCatalog _catalog;
    private readonly Columns _columns;
    private readonly InnerChain _chain;

    internal sealed record Columns(string Output, string Input, string Geometry);

    internal CoordinateDecodingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, string geometryColumnName)
    {
        _catalog = catalog;
        _columns = new Columns(outputColumnName, inputColumnName, geometryColumnName);
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(DecodeInput.OutputColumn, inputColumnName))
            .Then(catalog.CopyColumns(DecodeInput.GeometryColumn, geometryColumnName))
            .Then(catalog.CustomMapping(Factory.Mapping, Factory.ContractName))
            .Then(catalog.CopyColumns(outputColumnName, DecodeOutput.KeypointsColumn))
            .Then(catalog.DropColumns(DecodeInput.OutputColumn, DecodeInput.GeometryColumn, DecodeOutput.KeypointsColumn));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, _columns.Input, Component, 0, "normalized x0, y0, x1, y1, ...");
        SchemaChecks.CheckFloatVector(inputSchema, _columns.Geometry, Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
        return OutputShapes.With(inputSchema, OutputShapes.FloatVector(_catalog, _columns.Output, 0));
    }

    /// <inheritdoc />
    public CoordinateDecodingTransformer Fit(IDataView input)
    {
        CoordinateDecodingTransformer.Check(input.Schema, _columns);
        return new CoordinateDecodingTransformer(_chain.Fit(input), _columns);
    }

    /// <summary>Mapping input: model output and crop geometry.</summary>
    public sealed class DecodeInput
    {
        internal const string OutputColumn = "__keypointml_decode_output", GeometryColumn = "__keypointml_decode_geometry";
        [ColumnName(OutputColumn)] public float[] Output { get; set; } = [];
        [ColumnName(GeometryColumn)] public float[] Geometry { get; set; } = [];
    }

    /// <summary>Mapping output: keypoints in image pixels.</summary>
    public sealed class DecodeOutput
    {
        internal const string KeypointsColumn = "__keypointml_decode_keypoints";
        [ColumnName(KeypointsColumn)] public float[] Keypoints { get; set; } = [];
    }

    /// <summary>Persistence factory (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    public sealed class Factory : CustomMappingFactory<DecodeInput, DecodeOutput>
    {
        public const string ContractName = "KeypointML.DecodeCoordinates";
        public static readonly Action<DecodeInput, DecodeOutput> Mapping = static (input, output) =>
        {
            if (input.Output.Length % 2 != 0)
                throw new InvalidOperationException($"{Component}: a model output has {input.Output.Length} values; coordinates come in (x, y) pairs.");
            output.Keypoints = CropGeometry.FromVector(input.Geometry).KeypointsFromNormalized(input.Output);
        };
        public override Action<DecodeInput, DecodeOutput> GetMapping() => Mapping;
    }
}

/// <summary>The fitted coordinate decoder; see <see cref="CoordinateDecodingEstimator"/>.</summary>
public sealed class CoordinateDecodingTransformer : ComposedTransformer
{
    private readonly CoordinateDecodingEstimator.Columns _columns;

    internal CoordinateDecodingTransformer(ITransformer inner, CoordinateDecodingEstimator.Columns columns) : base(inner) => _columns = columns;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _columns);

    internal static void Check(DataViewSchema schema, CoordinateDecodingEstimator.Columns c)
    {
        SchemaChecks.CheckFloatVector(schema, c.Input, CoordinateDecodingEstimator.Component, 0, "normalized x0, y0, x1, y1, ...");
        SchemaChecks.CheckFloatVector(schema, c.Geometry, CoordinateDecodingEstimator.Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
    }
}
