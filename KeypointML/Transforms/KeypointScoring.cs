using KeypointML.Models;
using KeypointML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.ScoreKeypoints(TransformsCatalog, KeypointScoringOptions)"/>.</summary>
public sealed class KeypointScoringOptions
{
    /// <summary>The exported KeypointML ONNX model; everything else about it is read from its metadata.</summary>
    public required string ModelPath { get; set; }
    /// <summary>Input tensor column, float [1, H, W] (as <c>NormalizeGrayscale</c> gives).</summary>
    public string InputColumnName { get; set; } = KeypointDefaults.PixelsColumn;
    /// <summary>Raw model output column: [2K] normalized coordinates or [K, h, w] heatmaps.</summary>
    public string OutputColumnName { get; set; } = KeypointDefaults.ModelOutputColumn;
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
    /// score them as one [n, 1, H, W] tensor. 1 = one run per row through ML.NET's OnnxTransformer (no second session).
    /// PredictionEngine and a saved-and-loaded pipeline always score one row per run.
    /// </summary>
    public int BatchSize { get; set; } = KeypointDefaults.ScoringBatchSize;
}

/// <summary>
/// Runs an exported KeypointML ONNX model (input <c>input</c> [N,1,H,W], output <c>output</c>). The model's metadata
/// says its input size, keypoint count and output kind; the input column is checked against it up front.
/// </summary>
/// <remarks>
/// <para>Two paths, same columns and values. <c>Transform</c> scores <see cref="KeypointScoringOptions.BatchSize"/> rows
/// per ONNX Runtime run with a session of its own (see <see cref="BatchScoredDataView"/> for what its cursors buffer).
/// PredictionEngine (<c>GetRowToRowMapper</c>) and saving use ML.NET's OnnxTransformer, one row per run; it also persists
/// the model bytes, so a saved pipeline loads as that per-row chain.</para>
/// For ONNX Runtime settings beyond these options, give ML.NET your own <c>SessionOptions</c> factory with
/// <c>mlContext.SetOnnxSessionOption(new OnnxSessionOptions { CreateSessionOptions = () =&gt; ... })</c> before fitting
/// or loading: OnnxTransformer then builds its session from it.
/// </remarks>
public sealed class KeypointScoringEstimator : IEstimator<KeypointScoringTransformer>
{
    internal const string Component = "ScoreKeypoints";
    private readonly TransformsCatalog _catalog;
    private readonly KeypointScoringOptions _options;
    private readonly InnerChain _chain;

    /// <summary>The model file and its metadata.</summary>
    public KeypointModelFile Model { get; }

    internal KeypointScoringEstimator(TransformsCatalog catalog, KeypointScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"{Component}: BatchSize must be at least 1.");
        _catalog = catalog;
        _options = options;
        Model = KeypointModelFile.Open(options.ModelPath);
        var onnx = new OnnxOptions
        {
            ModelFile = options.ModelPath,
            InputColumns = [KeypointModelMetadata.InputName],
            OutputColumns = [KeypointModelMetadata.OutputName],
            GpuDeviceId = options.GpuDeviceId,
            FallbackToCpu = options.FallbackToCpu,
            IntraOpNumThreads = options.IntraOpNumThreads,
            InterOpNumThreads = options.InterOpNumThreads,
        };
        // OnnxTransformer binds data columns to graph nodes by name, hence the copies to and from "input"/"output".
        _chain = new InnerChain()
            .Then(catalog.CopyColumns(KeypointModelMetadata.InputName, options.InputColumnName))
            .Then(catalog.ApplyOnnxModel(onnx))
            .Then(catalog.CopyColumns(options.OutputColumnName, KeypointModelMetadata.OutputName))
            .Then(catalog.DropColumns(KeypointModelMetadata.InputName, KeypointModelMetadata.OutputName));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckFloatVector(inputSchema, _options.InputColumnName, Component, Model.InputLength, InputMeaning(Model));
        return OutputShapes.With(inputSchema, OutputShapes.FloatVector(_catalog, _options.OutputColumnName, Model.OutputLength));
    }

    /// <inheritdoc />
    public KeypointScoringTransformer Fit(IDataView input)
    {
        KeypointScoringTransformer.Check(input.Schema, _options.InputColumnName, Model);
        var inner = _chain.Fit(input);
        var session = _options.BatchSize > 1 ? new KeypointBatchSession(Model, _options) : null;
        return new KeypointScoringTransformer(inner, _options.InputColumnName, _options.OutputColumnName, _options.BatchSize, session, Model);
    }

    internal static string InputMeaning(KeypointModelFile model) =>
        $"the [1, {model.Metadata.InputHeight}, {model.Metadata.InputWidth}] tensor model '{Path.GetFileName(model.Path)}' reads";
}

/// <summary>The fitted scorer; see <see cref="KeypointScoringEstimator"/>. Dispose it (or the chain holding it) to free
/// its ONNX Runtime sessions at once rather than at finalization.</summary>
public sealed class KeypointScoringTransformer : ComposedTransformer
{
    private readonly string _inputColumn, _outputColumn;
    private readonly KeypointBatchSession? _session;

    /// <summary>The model file and its metadata.</summary>
    public KeypointModelFile Model { get; }

    /// <summary>Rows per ONNX Runtime run in <c>Transform</c> (1 = per row through OnnxTransformer).</summary>
    public int BatchSize { get; }

    internal KeypointScoringTransformer(ITransformer inner, string inputColumn, string outputColumn, int batchSize,
        KeypointBatchSession? session, KeypointModelFile model) : base(inner)
    {
        _inputColumn = inputColumn;
        _outputColumn = outputColumn;
        BatchSize = batchSize;
        _session = session;
        Model = model;
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _inputColumn, Model);

    private protected override IDataView Transform(IDataView input, ITransformer inner) => _session is null
        ? inner.Transform(input)
        : BatchScoredDataView.Create(input, inner, _session, BatchSize, _inputColumn, _outputColumn);

    /// <summary>Frees the batch session and the inner OnnxTransformer's session.</summary>
    public override void Dispose()
    {
        _session?.Dispose();
        base.Dispose();
    }

    internal static void Check(DataViewSchema schema, string column, KeypointModelFile model)
    {
        SchemaChecks.CheckFloatVector(schema, column, KeypointScoringEstimator.Component, model.InputLength, KeypointScoringEstimator.InputMeaning(model));
        if (schema[column].Type is VectorDataViewType { Size: 0 })
            throw new ArgumentException($"{KeypointScoringEstimator.Component}: input column '{column}' is a vector of unknown size; expected {model.InputLength} values ({KeypointScoringEstimator.InputMeaning(model)}).");
    }
}
