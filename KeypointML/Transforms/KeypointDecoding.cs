using KeypointML.Codecs;
using KeypointML.Geometry;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.DecodeKeypoints(TransformsCatalog, KeypointDecodingOptions)"/>.</summary>
public sealed class KeypointDecodingOptions
{
    /// <summary>What the model output means (<see cref="Models.KeypointModel.Codec(HeatmapRefinement?, bool, bool)"/> gives a model's own).</summary>
    public required KeypointCodec Codec { get; set; }
    /// <summary>Input model output column: [2K] normalized coordinates or [K, h, w] heatmaps.</summary>
    public string InputColumnName { get; set; } = KeypointColumns.ModelOutput;
    /// <summary>Crop geometry column, float[4].</summary>
    public string GeometryColumnName { get; set; } = KeypointColumns.CropGeometry;
    /// <summary>Output keypoints column, float[2K] in original image pixels.</summary>
    public string OutputColumnName { get; set; } = KeypointColumns.Keypoints;
    /// <summary>Output confidence column, float[K] (codecs with a confidence only: heatmap models, 1 / (1 + the spread of each map around its point, in cells)).</summary>
    public string ConfidenceColumnName { get; set; } = KeypointColumns.Confidence;
}

/// <summary>
/// Model output -> keypoints in original image pixels (the codec's decode, then the crop geometry) plus, for codecs that
/// have one, a per-keypoint confidence. One transform for every kind of keypoint model: the codec says how to decode.
/// </summary>
public sealed class KeypointDecodingEstimator : IEstimator<KeypointDecodingTransformer>
{
    internal const string Component = "DecodeKeypoints";
    private readonly TransformsCatalog _catalog;
    private readonly KeypointDecodingOptions _options;
    private readonly InnerChain _chain;

    internal KeypointDecodingEstimator(TransformsCatalog catalog, KeypointDecodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Codec, nameof(options.Codec));
        _catalog = catalog;
        _options = options;
        var drop = new List<string> { DecodeInput.OutputColumn, DecodeInput.GeometryColumn, DecodeInput.ParametersColumn,
            PersistedParameters.KeyColumn, DecodeOutput.KeypointsColumn, DecodeOutput.ConfidenceColumn };
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(DecodeInput.OutputColumn, options.InputColumnName))
            .Then(catalog.CopyColumns(DecodeInput.GeometryColumn, options.GeometryColumnName))
            .Then(PersistedParameters.Column(catalog, DecodeInput.ParametersColumn, CodecParameters.Write(options.Codec)))
            .Then(catalog.CustomMapping(DecodeFactory.Mapping, DecodeFactory.ContractName))
            .Then(catalog.CopyColumns(options.OutputColumnName, DecodeOutput.KeypointsColumn));
        if (options.Codec.HasConfidence) _chain.Then(catalog.CopyColumns(options.ConfidenceColumnName, DecodeOutput.ConfidenceColumn));
        _chain.Then(catalog.DropColumns([.. drop]));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, _options.InputColumnName, Component, _options.Codec.OutputLength, OutputMeaning(_options.Codec));
        SchemaChecks.CheckFloatVector(inputSchema, _options.GeometryColumnName, Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
        var keypoints = OutputShapes.FloatVector(_catalog, _options.OutputColumnName, 0);
        return _options.Codec.HasConfidence
            ? OutputShapes.With(inputSchema, keypoints, OutputShapes.FloatVector(_catalog, _options.ConfidenceColumnName, 0))
            : OutputShapes.With(inputSchema, keypoints);
    }

    /// <inheritdoc />
    public KeypointDecodingTransformer Fit(IDataView input)
    {
        KeypointDecodingTransformer.Check(input.Schema, _options);
        return new KeypointDecodingTransformer(_chain.Fit(input), _options);
    }

    internal static string OutputMeaning(KeypointCodec codec) => codec is HeatmapCodec h
        ? $"{h.KeypointCount} heatmaps of {h.Height}x{h.Width}"
        : $"{codec.KeypointCount} normalized (x, y) pairs";

    /// <summary>Mapping input: model output, crop geometry and the persisted codec.</summary>
    internal sealed class DecodeInput
    {
        internal const string OutputColumn = "__keypointml_decode_output", GeometryColumn = "__keypointml_decode_geometry",
            ParametersColumn = "__keypointml_decode_codec";
        [ColumnName(OutputColumn)] public float[] Output { get; set; } = [];
        [ColumnName(GeometryColumn)] public float[] Geometry { get; set; } = [];
        [ColumnName(ParametersColumn)] public float[] Parameters { get; set; } = [];
    }

    /// <summary>Mapping output: keypoints in image pixels and confidences.</summary>
    internal sealed class DecodeOutput
    {
        internal const string KeypointsColumn = "__keypointml_decode_keypoints", ConfidenceColumn = "__keypointml_decode_confidence";
        [ColumnName(KeypointsColumn)] public float[] Keypoints { get; set; } = [];
        [ColumnName(ConfidenceColumn)] public float[] Confidence { get; set; } = [];
    }

    /// <summary>Persistence factory (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class DecodeFactory : CustomMappingFactory<DecodeInput, DecodeOutput>
    {
        public const string ContractName = "KeypointML.DecodeKeypoints";
        public static readonly Action<DecodeInput, DecodeOutput> Mapping = static (input, output) =>
        {
            var codec = CodecParameters.Read(input.Parameters);
            if (input.Output.Length != codec.OutputLength)
                throw new InvalidOperationException($"{Component}: a model output has {input.Output.Length} values; the codec expects {codec.OutputLength} ({OutputMeaning(codec)}).");
            var normalized = new float[2 * codec.KeypointCount];
            var confidence = new float[codec.KeypointCount];
            if (input.Geometry.Any(float.IsNaN) || float.IsNaN(input.Output[0]))
            {
                // A row marked bad upstream (see BadRowPolicy): no points, no confidence.
                output.Keypoints = [.. Enumerable.Repeat(float.NaN, normalized.Length)];
                output.Confidence = [.. Enumerable.Repeat(float.NaN, confidence.Length)];
                return;
            }
            codec.Decode(input.Output, normalized, confidence);
            output.Keypoints = CropGeometry.FromVector(input.Geometry).KeypointsFromNormalized(normalized);
            output.Confidence = confidence;
        };
        public override Action<DecodeInput, DecodeOutput> GetMapping() => Mapping;
    }
}

/// <summary>The fitted decoder; see <see cref="KeypointDecodingEstimator"/>.</summary>
public sealed class KeypointDecodingTransformer : ComposedTransformer
{
    private readonly KeypointDecodingOptions _options;

    internal KeypointDecodingTransformer(ITransformer inner, KeypointDecodingOptions options) : base(inner) => _options = options;

    /// <summary>The codec this transformer decodes with.</summary>
    public KeypointCodec Codec => _options.Codec;

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options);

    internal static void Check(DataViewSchema schema, KeypointDecodingOptions o)
    {
        SchemaChecks.CheckFloatVector(schema, o.InputColumnName, KeypointDecodingEstimator.Component, o.Codec.OutputLength, KeypointDecodingEstimator.OutputMeaning(o.Codec));
        SchemaChecks.CheckFloatVector(schema, o.GeometryColumnName, KeypointDecodingEstimator.Component, CropGeometry.VectorLength, "crop geometry X0, Y0, Width, Height");
    }
}

/// <summary>A decode-only codec as the float vector a saved pipeline carries: kind (0 coordinates, 1 heatmaps), K, h, w,
/// refinement, flip averaging (0/1; its mirror map is the 68-point one), and for a calibrated model its offsets: x, y for all
/// points, or x, y per point; with a shape prior, the offsets always per point (zeros for none), then the prior's mean
/// (2K) and gain ((2K)^2). The training target is not needed to decode and is not stored.</summary>
internal static class CodecParameters
{
    public static float[] Write(KeypointCodec codec) => codec switch
    {
        ShapePriorCodec s => [.. WithPointOffsets(Write(s.Inner), s.KeypointCount), .. s.Prior.Values],
        // One offset for all points as elements 6-7 (the layout pipelines saved before per-point offsets use); per point, 2K.
        OffsetCorrectedCodec o => [.. Write(o.Inner), .. o.Offsets.Values],
        FlipAveragingCodec f when f.KeypointCount == Geometry.MirrorMaps.Ibug68.Count => [.. Write(f.Inner)[..5], 1],
        HeatmapCodec h => [1, h.KeypointCount, h.Height, h.Width, (float)h.Refinement, 0],
        CoordinateCodec c => [0, c.KeypointCount, 0, 0, 0, 0],
        _ => throw new ArgumentException($"{KeypointDecodingEstimator.Component}: codec {codec.GetType().Name} cannot be carried in a pipeline.", nameof(codec)),
    };

    // The layout before a prior: the six codec values and 2K per-point offsets, whatever form the offsets had.
    private static float[] WithPointOffsets(float[] p, int keypoints) => p.Length switch
    {
        6 => [.. p, .. new float[2 * keypoints]],
        8 => [.. p[..6], .. Enumerable.Range(0, keypoints).SelectMany(_ => new[] { p[6], p[7] })],
        _ => p,
    };

    // Read on every row: the codecs (immutable, the offset wrapper included) are made once per parameter vector and
    // found by its values, so a row costs a hash of the vector and no allocation (a per-point model's is 142 floats).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<float[], KeypointCodec> Codecs = new(ValueComparer.Instance);

    public static KeypointCodec Read(float[] p)
    {
        if (Codecs.TryGetValue(p, out var known)) return known;
        if (p.Length < 5 || p[0] is not (0 or 1) || !(p.Length is 5 or 6 or 8 || p.Length == 6 + 2 * (int)p[1] || p.Length == WithPriorLength((int)p[1])))
            throw new InvalidOperationException($"{KeypointDecodingEstimator.Component}: the saved codec parameters [{string.Join(", ", p)}] are not a known codec.");
        var key = p.ToArray();   // the row's array is not ours to keep
        return Codecs.GetOrAdd(key, Make(key));
    }

    private static int WithPriorLength(int keypoints) => 6 + 4 * keypoints + 4 * keypoints * keypoints;

    /// <summary>Compares parameter vectors by their values.</summary>
    private sealed class ValueComparer : IEqualityComparer<float[]>
    {
        public static readonly ValueComparer Instance = new();
        public bool Equals(float[]? a, float[]? b) => a is not null && b is not null && a.AsSpan().SequenceEqual(b);
        public int GetHashCode(float[] values)
        {
            // The first 256 values and the length: a shape prior's vector holds 18,774 floats, and Equals compares them all.
            var hash = new HashCode();
            hash.Add(values.Length);
            foreach (var v in values.AsSpan(0, Math.Min(values.Length, 256))) hash.Add(v);   // float's hash treats -0 as 0, as Equals does
            return hash.ToHashCode();
        }
    }

    private static KeypointCodec Make(float[] p)
    {
        KeypointCodec codec = p[0] == 1
            ? new HeatmapCodec((int)p[1], (int)p[2], (int)p[3], refinement: (HeatmapRefinement)(int)p[4])
            : new CoordinateCodec((int)p[1]);
        if (p.Length >= 6 && p[5] == 1) codec = new FlipAveragingCodec(codec, Geometry.MirrorMaps.Ibug68);
        // The calibration offsets (elements 6 on: one x, y for all points, or 2K values) go outside the flip averaging.
        int k = (int)p[1];
        if (p.Length == WithPriorLength(k))
        {
            var offsets = p.AsSpan(6, 2 * k);
            var corrected = offsets.ContainsAnyExcept(0f) ? OffsetCorrectedCodec.Wrap(codec, CalibrationOffsets.PerPoint(offsets)) : codec;
            return new ShapePriorCodec(corrected, new ShapePrior(p[(6 + 2 * k)..(6 + 4 * k)], p[(6 + 4 * k)..]));
        }
        return p.Length switch
        {
            <= 6 => codec,
            8 => OffsetCorrectedCodec.Wrap(codec, CalibrationOffsets.Uniform(p[6], p[7])),
            _ => OffsetCorrectedCodec.Wrap(codec, CalibrationOffsets.PerPoint(p.AsSpan(6))),
        };
    }
}
