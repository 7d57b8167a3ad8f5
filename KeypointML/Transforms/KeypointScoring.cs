using KeypointML.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.ScoreKeypoints(TransformsCatalog, KeypointScoringOptions)"/>.</summary>
public sealed class KeypointScoringOptions
{
    /// <summary>The exported KeypointML ONNX model file (or give an opened <see cref="Model"/>); everything else about
    /// the model is read from its metadata.</summary>
    public string? ModelPath { get; set; }
    /// <summary>An opened model to share instead of <see cref="ModelPath"/>; the caller keeps ownership and disposes it.</summary>
    public KeypointModel? Model { get; set; }
    /// <summary>Input tensor column, float [1, H, W] (as <c>NormalizeGrayscale</c> gives).</summary>
    public string InputColumnName { get; set; } = KeypointColumns.Pixels;
    /// <summary>Raw model output column: [2K] normalized coordinates or [K, h, w] heatmaps.</summary>
    public string OutputColumnName { get; set; } = KeypointColumns.ModelOutput;
    /// <summary>The caller's ONNX Runtime session options (see <see cref="KeypointModelOptions.SessionOptions"/>).</summary>
    public SessionOptions? SessionOptions { get; set; }
    /// <summary>CUDA device to run on; null = CPU.</summary>
    public int? GpuDeviceId { get; set; }
    /// <summary>Whether to run on CPU when the CUDA provider cannot be created (true by default).</summary>
    public bool FallbackToCpu { get; set; } = true;
    /// <summary>ONNX Runtime threads inside one operator; null = ONNX Runtime's default.</summary>
    public int? IntraOpNumThreads { get; set; }
    /// <summary>ONNX Runtime threads across operators; null = ONNX Runtime's default.</summary>
    public int? InterOpNumThreads { get; set; }
    /// <summary>
    /// Rows scored per ONNX Runtime run by <c>Transform</c> (16 by default): its cursors read this many rows ahead and
    /// score them as one [n, 1, H, W] tensor. 1 = one run per row. PredictionEngine scores one row per run.
    /// </summary>
    public int BatchSize { get; set; } = KeypointDefaults.ScoringBatchSize;
    /// <summary>
    /// Test-time flip averaging: score every face also mirrored; the output column then holds both outputs, [2, ...], for
    /// a <see cref="Codecs.FlipAveragingCodec"/> to decode. Twice the model's cost; such a pipeline cannot be saved.
    /// </summary>
    public bool FlipAveraging { get; set; }

    /// <summary>The model run to use instead of the model's own session (DetectKeypoints passes its engine's); it must
    /// match <see cref="FlipAveraging"/>.</summary>
    internal IBatchScorer? Scorer { get; set; }

    internal KeypointModelOptions ModelOptions => new()
    {
        SessionOptions = SessionOptions, GpuDeviceId = GpuDeviceId, FallbackToCpu = FallbackToCpu,
        IntraOpNumThreads = IntraOpNumThreads, InterOpNumThreads = InterOpNumThreads,
    };
}

/// <summary>
/// Runs an exported KeypointML ONNX model on a [1, H, W] tensor column. The model file is opened once
/// (<see cref="KeypointModel"/>) and its one session serves the batched <c>Transform</c> and the per-row path
/// (<c>PredictionEngine</c>). <c>mlContext.Model.Save</c> writes ML.NET's OnnxTransformer chain with the model embedded,
/// so a saved pipeline is self-contained.
/// </summary>
public sealed class KeypointScoringEstimator : IEstimator<KeypointScoringTransformer>
{
    internal const string Component = "ScoreKeypoints";
    private readonly TransformsCatalog _catalog;
    private readonly KeypointScoringOptions _options;
    private readonly ModelLease _lease;

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model => _lease.Model;

    internal KeypointScoringEstimator(TransformsCatalog catalog, KeypointScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"{Component}: BatchSize must be at least 1.");
        if (options.Model is null && string.IsNullOrWhiteSpace(options.ModelPath))
            throw new ArgumentException($"{Component}: give ModelPath or Model.", nameof(options));
        _catalog = catalog;
        _options = options;
        _lease = options.Model is { } shared ? ModelLease.Shared(shared)
            : ModelLease.Open(options.ModelPath!, ContextSettings.WithContextDevice(catalog, options.ModelOptions));
        ContextSettings.LogDevice(catalog, Component, Model.Name, Model.Device);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, _options.InputColumnName, Component, Model.InputLength, InputMeaning(Model));
        return OutputShapes.With(inputSchema, OutputShapes.FloatVector(_catalog, _options.OutputColumnName, (_options.FlipAveraging ? 2 : 1) * Model.OutputLength));
    }

    /// <inheritdoc />
    public KeypointScoringTransformer Fit(IDataView input)
    {
        KeypointScoringTransformer.Check(input.Schema, _options.InputColumnName, Model);
        var (model, owned) = _lease.Take();
        return KeypointScoringTransformer.Create(_catalog, input, model, owned, _options);
    }

    internal static string InputMeaning(KeypointModel model) =>
        $"the [1, {model.Metadata.InputHeight}, {model.Metadata.InputWidth}] tensor model '{model.Name}' reads";
}

/// <summary>The fitted scorer; see <see cref="KeypointScoringEstimator"/>. Dispose it (or the chain holding it) to free
/// its ONNX Runtime session at once rather than at finalization.</summary>
public sealed class KeypointScoringTransformer : ComposedTransformer
{
    private readonly TransformsCatalog _catalog;
    private readonly IDataView _fittedOn;
    private readonly KeypointScoringOptions _options;
    private readonly bool _ownsModel;
    private ITransformer? _saveable;

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model { get; }

    /// <summary>Rows per ONNX Runtime run in <c>Transform</c> (1 = one run per row).</summary>
    public int BatchSize => _options.BatchSize;

    private readonly IBatchScorer _scorer;

    private KeypointScoringTransformer(ITransformer perRow, TransformsCatalog catalog, IDataView fittedOn, KeypointModel model,
        IBatchScorer scorer, bool ownsModel, KeypointScoringOptions options) : base(perRow)
    {
        _scorer = scorer;
        _catalog = catalog;
        _fittedOn = fittedOn;
        Model = model;
        _ownsModel = ownsModel;
        _options = options;
    }

    internal static KeypointScoringTransformer Create(TransformsCatalog catalog, IDataView input, KeypointModel model, bool ownsModel, KeypointScoringOptions options)
    {
        // The per-row path runs the shared session itself: one Run per row, no second copy of the model in memory.
        var inDefinition = SchemaDefinition.Create(typeof(PixelsRow));
        inDefinition[0].ColumnName = options.InputColumnName;
        var outDefinition = SchemaDefinition.Create(typeof(OutputRow));
        outDefinition[0].ColumnName = options.OutputColumnName;
        // Rows a preprocessing step marked bad (NaN tensors) are not run (see BadRowPolicy).
        IBatchScorer scorer = new MissingRowScorer(options.Scorer ?? (options.FlipAveraging ? new FlipScorer(model) : model));
        int[] shape = [.. (options.FlipAveraging ? [2] : Array.Empty<int>()), .. model.Codec().OutputShape];
        outDefinition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, shape);
        int inputLength = model.InputLength, outputLength = scorer.OutputLength;
        var perRow = catalog.CustomMapping<PixelsRow, OutputRow>((row, output) =>
        {
            if (row.Pixels.Length != inputLength)
                throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: a row has a tensor of {row.Pixels.Length} values; model '{model.Name}' reads {inputLength}.");
            var scores = new float[outputLength];
            scorer.Run(row.Pixels, 1, scores);
            output.Output = scores;
        }, contractName: null, inDefinition, outDefinition).Fit(input);
        return new KeypointScoringTransformer(perRow, catalog, input, model, scorer, ownsModel, options);
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options.InputColumnName, Model);

    private protected override IDataView Transform(IDataView input, ITransformer inner) => BatchSize <= 1
        ? inner.Transform(input)
        : BatchScoredDataView.Create(input, inner, _scorer, BatchSize, _options.InputColumnName, _options.OutputColumnName);

    // Saving embeds the model through ML.NET's OnnxTransformer (whose loader ML.NET registers), reading the file again:
    // saving is a use of its own. OnnxTransformer binds data columns to graph nodes by name, hence the copies.
    private protected override ITransformer ForSaving() => _options.FlipAveraging
        ? throw new NotSupportedException($"{KeypointScoringEstimator.Component}: a pipeline with FlipAveraging cannot be saved (ML.NET's OnnxTransformer, which a saved pipeline scores with, runs the model once per row); save it without flip averaging.")
        : _saveable ??= new InnerChain()
        .Then(_catalog.CopyColumns(KeypointModelMetadata.InputName, _options.InputColumnName))
        .Then(_catalog.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = Model.Path,
            InputColumns = [KeypointModelMetadata.InputName],
            OutputColumns = [KeypointModelMetadata.OutputName],
            GpuDeviceId = Model.Options.GpuDeviceId,
            FallbackToCpu = Model.Options.FallbackToCpu,
            IntraOpNumThreads = Model.Options.IntraOpNumThreads,
            InterOpNumThreads = Model.Options.InterOpNumThreads,
        }))
        .Then(_catalog.CopyColumns(_options.OutputColumnName, KeypointModelMetadata.OutputName))
        .Then(_catalog.DropColumns(KeypointModelMetadata.InputName, KeypointModelMetadata.OutputName))
        .Fit(_fittedOn);

    /// <summary>Frees the model's session when this transformer opened it.</summary>
    public override void Dispose()
    {
        if (_ownsModel) Model.Dispose();
        (_saveable as IDisposable)?.Dispose();
        base.Dispose();
    }

    internal static void Check(DataViewSchema schema, string column, KeypointModel model)
    {
        SchemaChecks.CheckFloatVector(schema, column, KeypointScoringEstimator.Component, model.InputLength, KeypointScoringEstimator.InputMeaning(model));
        if (schema[column].Type is VectorDataViewType { Size: 0 })
            throw new ArgumentException($"{KeypointScoringEstimator.Component}: input column '{column}' is a vector of unknown size; expected {model.InputLength} values ({KeypointScoringEstimator.InputMeaning(model)}).");
    }

    private sealed class PixelsRow
    {
        public float[] Pixels { get; set; } = [];
    }

    private sealed class OutputRow
    {
        public float[] Output { get; set; } = [];
    }
}

/// <summary>
/// Who owns an estimator's model: a model the estimator opened goes to the first transformer fitted (which frees it on
/// Dispose), and a later Fit opens the file again, so each fitted transformer owns what it frees. A model the caller
/// passed in is shared and never freed here.
/// </summary>
internal sealed class ModelLease
{
    private readonly string? _path;
    private readonly KeypointModelOptions? _options;
    private bool _handedOver;

    private ModelLease(KeypointModel model, string? path, KeypointModelOptions? options)
    {
        Model = model;
        _path = path;
        _options = options;
    }

    /// <summary>The model (its metadata stays readable after a transformer freed its session).</summary>
    public KeypointModel Model { get; }

    public static ModelLease Open(string path, KeypointModelOptions options) => new(KeypointModel.Open(path, options), path, options);

    public static ModelLease Shared(KeypointModel model) => new(model, null, null);

    /// <summary>The model for one fitted transformer, and whether that transformer owns (frees) it.</summary>
    public (KeypointModel Model, bool Owned) Take()
    {
        if (_path is null) return (Model, false);
        if (!_handedOver)
        {
            _handedOver = true;
            return (Model, true);
        }
        return (KeypointModel.Open(_path, _options), true);
    }
}
