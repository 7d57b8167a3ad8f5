using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Engine;
using KeypointML.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.DetectKeypoints(TransformsCatalog, KeypointDetectionOptions)"/>.</summary>
public sealed class KeypointDetectionOptions
{
    /// <summary>The exported KeypointML ONNX model file (or give an opened <see cref="Model"/>).</summary>
    public string? ModelPath { get; set; }
    /// <summary>An opened model to share instead of <see cref="ModelPath"/>; the caller keeps ownership.</summary>
    public KeypointModel? Model { get; set; }
    /// <summary>Input column of image file paths (text).</summary>
    public string ImagePathColumnName { get; set; } = KeypointColumns.ImagePath;
    /// <summary>Input face box column (float[4] left, top, width, height); null = the model sees the whole image.</summary>
    public string? BoxColumnName { get; set; }
    /// <summary>Output keypoints, float[2K] x0, y0, ... in original image pixels.</summary>
    public string KeypointsColumnName { get; set; } = KeypointColumns.Keypoints;
    /// <summary>Output per-keypoint confidence (heatmap models only), float[K].</summary>
    public string ConfidenceColumnName { get; set; } = KeypointColumns.Confidence;
    /// <summary>Output crop geometry, float[4].</summary>
    public string GeometryColumnName { get; set; } = KeypointColumns.CropGeometry;
    /// <summary>Output image size, float[2] width, height.</summary>
    public string ImageSizeColumnName { get; set; } = KeypointColumns.ImageSize;
    /// <summary>Output model input tensor, float [1, H, W], kept under this name when set (to inspect exactly what the
    /// model saw); null = dropped, which keeps rows small.</summary>
    public string? PixelsColumnName { get; set; }
    /// <summary>Output raw model output ([2K] or [K, h, w]).</summary>
    public string ModelOutputColumnName { get; set; } = KeypointColumns.ModelOutput;
    /// <summary>Grey level outside the image when a crop reaches past it.</summary>
    public byte Fill { get; set; } = KeypointDefaults.CropFill;
    /// <summary>Heatmap sub-cell refinement (heatmap models only); null = the model's own choice
    /// (<see cref="KeypointModel.DefaultRefinement"/>: what its metadata records, else <see cref="KeypointDefaults.Refinement"/>).</summary>
    public HeatmapRefinement? Refinement { get; set; }
    /// <summary>Test-time flip averaging (68-point models): each face also scored mirrored and the points averaged; measured
    /// -0.1 point NME on the held-out faces at twice the model's cost (see <see cref="FlipAveragingCodec"/>). Not saveable.</summary>
    public bool FlipAveraging { get; set; }
    /// <summary>Correct the points with the model's face-shape prior when it has one (<see cref="ShapePrior"/>, written by
    /// <c>keypointml ship --shape-prior</c>); true by default, as it measured better on every model that has one. False
    /// gives the points as the heatmaps (and the calibration offsets) place them.</summary>
    public bool ApplyShapePrior { get; set; } = KeypointDefaults.ApplyShapePrior;
    /// <summary>The caller's ONNX Runtime session options (see <see cref="KeypointModelOptions.SessionOptions"/>).</summary>
    public SessionOptions? SessionOptions { get; set; }
    /// <summary>CUDA device; null = CPU. See <see cref="KeypointScoringOptions"/>.</summary>
    public int? GpuDeviceId { get; set; }
    /// <summary>Run on CPU when CUDA cannot be used.</summary>
    public bool FallbackToCpu { get; set; } = true;
    /// <summary>ONNX Runtime intra-op threads; null = default.</summary>
    public int? IntraOpNumThreads { get; set; }
    /// <summary>ONNX Runtime inter-op threads; null = default.</summary>
    public int? InterOpNumThreads { get; set; }
    /// <summary>Rows per ONNX Runtime run in <c>Transform</c>; see <see cref="KeypointScoringOptions.BatchSize"/>.</summary>
    public int BatchSize { get; set; } = KeypointDefaults.ScoringBatchSize;
    /// <summary>
    /// Decode JPEGs at 1/2, 1/4 or 1/8 of their size (in the DCT domain) when the face's crop stays at least the model's
    /// input size: a 640x480 photo for a 60x80 model decodes at 80x60. Cheaper, and the pixels differ slightly from a full
    /// decode (see docs/speed.md for the measured effect on accuracy). Off by default. A saved pipeline decodes in full.
    /// </summary>
    public bool ReducedDecoding { get; set; } = KeypointDefaults.ReducedDecoding;
    /// <summary>What happens to a row whose image cannot be read or whose box is not usable (<see cref="BadRowPolicy"/>;
    /// by default it is kept with its reason in <see cref="ErrorColumnName"/> and NaN points). A bad row never costs a good one.</summary>
    public BadRowPolicy OnBadRow { get; set; } = KeypointDefaults.OnBadRow;
    /// <summary>Output column (text) with the reason a row could not be scored; empty for scored rows.</summary>
    public string ErrorColumnName { get; set; } = KeypointColumns.Error;
}

/// <summary>
/// The whole chain for one model, run by a <see cref="FaceEngine"/> over it: the engine's three landmark stages as
/// columns, so that a pipeline's rows are scored in batches across images: crop (the image decoded once into pooled
/// pixels, the face box cropped by the model's rule from <see cref="FacePreprocessing"/>, grey, resized, normalized) ->
/// the engine's model run over a batch of rows' tensors -> the engine's codec to original image pixels. The points are
/// those <see cref="FaceEngine.Points(ImagePixels, IReadOnlyList{FaceRegion})"/> gives for the same box, bit for bit.
/// Intermediate tensors are dropped, so rows stay small and cursors stream. The model file is opened once, when the
/// estimator is made. A saved pipeline holds the same stages as ML.NET's own persistable transforms (image loading,
/// the crop, ML.NET's OnnxTransformer, the decoder), which compute the same values.
/// </summary>
public sealed class KeypointDetectionEstimator : IEstimator<KeypointDetectionTransformer>
{
    internal const string Component = "DetectKeypoints";
    private const string ImageColumn = "__keypointml_detect_image", CroppedColumn = "__keypointml_detect_crop", PixelsColumn = "__keypointml_detect_pixels";
    private readonly TransformsCatalog _catalog;
    private readonly KeypointDetectionOptions _options;
    private readonly ModelLease _lease;
    private readonly FaceEngine _engine;

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model => _lease.Model;

    /// <summary>The codec the chain decodes with (the model's, with the options' refinement).</summary>
    public KeypointCodec Codec { get; }

    internal KeypointDetectionEstimator(TransformsCatalog catalog, KeypointDetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Model is null && string.IsNullOrWhiteSpace(options.ModelPath))
            throw new ArgumentException($"{Component}: give ModelPath or Model.", nameof(options));
        _catalog = catalog;
        _options = options;
        _lease = options.Model is { } shared ? ModelLease.Shared(shared)
            : ModelLease.Open(options.ModelPath!, ContextSettings.WithContextDevice(catalog, ModelOptions(options)));
        ContextSettings.LogDevice(catalog, Component, Model.Name, Model.Device);
        if (options.FlipAveraging && Model.MirrorMap is null)
            throw new ArgumentException(
                $"{Component}: FlipAveraging needs the model's left/right point map, known for the 68-point scheme; '{Model.Name}' predicts {Model.Metadata.KeypointCount} points.", nameof(options));
        _engine = new FaceEngine(Model, EngineOptions(options));
        Codec = _engine.Codec;
    }

    /// <summary>The engine settings these options stand for (<see cref="Prediction.KeypointPredictor"/> uses them too).</summary>
    internal static FaceEngineOptions EngineOptions(KeypointDetectionOptions o) => new()
    {
        Refinement = o.Refinement, FlipAveraging = o.FlipAveraging, Fill = o.Fill, ApplyShapePrior = o.ApplyShapePrior,
    };

    // The engine over a fitted transformer's model: the estimator's own, or one over the model a later Fit opened again.
    private FaceEngine EngineFor(KeypointModel model) => ReferenceEquals(model, Model) ? _engine : new FaceEngine(model, EngineOptions(_options));

    internal static KeypointModelOptions ModelOptions(KeypointDetectionOptions o) => new()
    {
        SessionOptions = o.SessionOptions, GpuDeviceId = o.GpuDeviceId, FallbackToCpu = o.FallbackToCpu,
        IntraOpNumThreads = o.IntraOpNumThreads, InterOpNumThreads = o.InterOpNumThreads,
    };

    // fast: the engine's crop stage in one mapping (what Transform and PredictionEngine run); otherwise the persistable
    // steps (what mlContext.Model.Save writes). Same columns and values.
    private IEnumerable<IEstimator<ITransformer>> Steps(FaceEngine engine, bool fast = true)
    {
        var preprocessing = engine.Preprocessing;
        var columns = new FacePreprocessingColumns(_options.ImagePathColumnName,
            _options.BoxColumnName, ImageColumn, _options.ImageSizeColumnName, CroppedColumn, _options.GeometryColumnName, PixelsColumn,
            fast ? _options.ErrorColumnName : null);
        if (fast) yield return FaceTensorMapping.Create(_catalog, engine, columns, _options.ReducedDecoding);
        else
        {
            foreach (var step in preprocessing.Steps(_catalog, columns)) yield return step;
            // The composable steps throw on a bad row, so every row they serve is fine: the same Error column, always empty.
            yield return NoErrorColumn.Estimator(_catalog, _options.ErrorColumnName);
        }
        yield return Scoring(engine);
        yield return new KeypointDecodingEstimator(_catalog, new KeypointDecodingOptions
        {
            Codec = engine.Codec, InputColumnName = _options.ModelOutputColumnName, GeometryColumnName = _options.GeometryColumnName,
            OutputColumnName = _options.KeypointsColumnName, ConfidenceColumnName = _options.ConfidenceColumnName,
        });
        if (_options.PixelsColumnName is { } kept) yield return _catalog.CopyColumns(kept, PixelsColumn);
        yield return fast ? _catalog.DropColumns(PixelsColumn) : _catalog.DropColumns(ImageColumn, CroppedColumn, PixelsColumn);
    }

    /// <summary>The persistable chain for a fitted transformer's Save, fitted on the same input.</summary>
    internal ITransformer SaveableChain(FaceEngine engine, IDataView input)
    {
        var chain = new InnerChain();
        foreach (var step in Steps(engine, fast: false)) chain.Then(step);
        return chain.Fit(input);
    }

    // The engine's model run over batches of rows (its scorer: the model, or the model and its mirror with flip averaging).
    private KeypointScoringEstimator Scoring(FaceEngine engine) => new(_catalog, new KeypointScoringOptions
    {
        Model = engine.Landmarks, InputColumnName = PixelsColumn, OutputColumnName = _options.ModelOutputColumnName, BatchSize = _options.BatchSize,
        FlipAveraging = _options.FlipAveraging, Scorer = engine.Scorer,
    });

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var step in Steps(_engine)) shape = step.GetOutputSchema(shape);
        return shape;
    }

    /// <inheritdoc />
    public KeypointDetectionTransformer Fit(IDataView input)
    {
        KeypointDetectionTransformer.Check(input.Schema, _options);
        var (model, owned) = _lease.Take();
        try
        {
            var engine = EngineFor(model);
            var chain = new InnerChain();
            foreach (var step in Steps(engine)) chain.Then(step);
            return new KeypointDetectionTransformer(chain.Fit(input), _options, model, owned, engine.Codec, () => SaveableChain(engine, input));
        }
        catch
        {
            if (owned) model.Dispose();
            throw;
        }
    }
}

/// <summary>The fitted detection chain; see <see cref="KeypointDetectionEstimator"/>. Dispose it to free the model's
/// ONNX Runtime session.</summary>
public sealed class KeypointDetectionTransformer : ComposedTransformer
{
    private readonly KeypointDetectionOptions _options;
    private readonly bool _ownsModel;

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model { get; }

    /// <summary>The codec the chain decodes with.</summary>
    public KeypointCodec Codec { get; }

    private readonly Func<ITransformer> _saveable;
    private ITransformer? _saved;

    internal KeypointDetectionTransformer(ITransformer inner, KeypointDetectionOptions options, KeypointModel model, bool ownsModel, KeypointCodec codec,
        Func<ITransformer> saveable) : base(inner)
    {
        _options = options;
        Model = model;
        _ownsModel = ownsModel;
        Codec = codec;
        _saveable = saveable;
    }

    // The fast preprocessing is a run-time mapping; a saved pipeline holds the composable steps, which compute the same
    // columns (a reduced JPEG decode, an option of the fast path only, is not saved: a loaded pipeline decodes in full).
    private protected override ITransformer ForSaving() => _saved ??= _saveable();

    /// <summary>What this chain does with rows it cannot score.</summary>
    public BadRowPolicy OnBadRow => _options.OnBadRow;

    private protected override IDataView Transform(IDataView input, ITransformer inner) =>
        BadRowHandling.Apply(inner.Transform(input), _options.OnBadRow, _options.ErrorColumnName, _options.ImagePathColumnName);

    private protected override IRowToRowMapper Mapper(IRowToRowMapper inner) =>
        BadRowHandling.Apply(inner, _options.OnBadRow, _options.ErrorColumnName, _options.ImagePathColumnName);

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options);

    /// <summary>Frees the chain and, when this chain opened it, the model's session.</summary>
    public override void Dispose()
    {
        base.Dispose();
        (_saved as IDisposable)?.Dispose();
        if (_ownsModel) Model.Dispose();
    }

    internal static void Check(DataViewSchema schema, KeypointDetectionOptions o)
    {
        SchemaChecks.CheckText(schema, o.ImagePathColumnName, KeypointDetectionEstimator.Component, "image file path");
        if (o.BoxColumnName is { } box)
            SchemaChecks.CheckFloatVector(schema, box, KeypointDetectionEstimator.Component, 4, "left, top, width, height");
    }
}
