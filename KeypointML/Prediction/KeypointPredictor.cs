using KeypointML.Models;
using KeypointML.Transforms;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Prediction;

/// <summary>The points of one face: in original image pixels, with per-point confidences (heatmap models) and, for a row
/// that could not be scored, the reason (<see cref="Error"/>; the points are then NaN).</summary>
/// <param name="Keypoints">x0, y0, x1, y1, ... in image pixels.</param>
/// <param name="Confidence">One value per point (1 for coordinate models).</param>
/// <param name="Error">Empty when the face was scored; otherwise why not (unreadable image, unusable box).</param>
public sealed record KeypointPrediction(float[] Keypoints, float[] Confidence, string Error)
{
    /// <summary>Whether the face was scored.</summary>
    public bool Succeeded => Error.Length == 0;
}

/// <summary>
/// Scores single faces from any number of threads at once: one fitted <c>DetectKeypoints</c> chain (one ONNX Runtime
/// session, whose runs are thread-safe) and a pool of ML.NET <see cref="PredictionEngine{TSrc, TDst}"/>s over it
/// (Microsoft.Extensions.ObjectPool), since one engine must not be shared between threads. Every call gives the points a
/// single-threaded run gives, bit for bit.
/// </summary>
/// <remarks>Bad input follows <see cref="KeypointDetectionOptions.OnBadRow"/>: marked (the default: <see
/// cref="KeypointPrediction.Error"/>) or, under <see cref="BadRowPolicy.Fail"/>, a <see cref="KeypointRowException"/>.</remarks>
public sealed class KeypointPredictor : IDisposable
{
    private readonly KeypointModel _model;
    private readonly bool _ownsModel;
    private readonly EnginePool _withBox, _wholeImage;

    /// <summary>Opens the model once (or shares <see cref="KeypointDetectionOptions.Model"/>) and fits the chains: one for
    /// faces given by a box, one for whole images (the IMM models' input).</summary>
    public KeypointPredictor(MLContext ml, KeypointDetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        _ownsModel = options.Model is null;
        // Opened here, once, with the session settings DetectKeypoints would use (the context's device included).
        _model = options.Model ?? KeypointModel.Open(options.ModelPath ?? throw new ArgumentException("give ModelPath or Model.", nameof(options)),
            ContextSettings.WithContextDevice(ml.Transforms, KeypointDetectionEstimator.ModelOptions(options)));
        try
        {
            _withBox = new EnginePool(ml, Copy(options, _model, withBox: true));
            _wholeImage = new EnginePool(ml, Copy(options, _model, withBox: false));
        }
        catch
        {
            if (_ownsModel) _model.Dispose();
            throw;
        }
    }

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model => _model;

    /// <summary>The points of the face in <paramref name="box"/> (left, top, width, height; null = the whole image is the
    /// face, as the IMM models expect) of the image file at <paramref name="imagePath"/>. Thread-safe.</summary>
    public KeypointPrediction Predict(string imagePath, float[]? box = null)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        return (box is null ? _wholeImage : _withBox).Predict(new FaceRow { ImagePath = imagePath, Box = box ?? [0, 0, 0, 0] });
    }

    /// <summary>Frees the chains and, when this predictor opened it, the model's session.</summary>
    public void Dispose()
    {
        _withBox.Dispose();
        _wholeImage.Dispose();
        if (_ownsModel) _model.Dispose();
    }

    private static KeypointDetectionOptions Copy(KeypointDetectionOptions o, KeypointModel model, bool withBox) => new()
    {
        Model = model, ImagePathColumnName = nameof(FaceRow.ImagePath), BoxColumnName = withBox ? nameof(FaceRow.Box) : null,
        KeypointsColumnName = nameof(PredictionRow.Keypoints), ConfidenceColumnName = nameof(PredictionRow.Confidence),
        ErrorColumnName = nameof(PredictionRow.Error), Fill = o.Fill, Refinement = o.Refinement, FlipAveraging = o.FlipAveraging,
        BatchSize = 1, ReducedDecoding = o.ReducedDecoding,
        // A single face cannot be skipped: it is marked (or fails, when asked).
        OnBadRow = o.OnBadRow == BadRowPolicy.Skip ? BadRowPolicy.Mark : o.OnBadRow,
    };

    // One fitted chain and the engines over it.
    private sealed class EnginePool : IDisposable
    {
        private readonly KeypointDetectionTransformer _chain;
        private readonly ObjectPool<PredictionEngine<FaceRow, PredictionRow>> _engines;
        private readonly bool _hasConfidence;

        public EnginePool(MLContext ml, KeypointDetectionOptions options)
        {
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<FaceRow>());
            _chain = ml.Transforms.DetectKeypoints(options).Fit(empty);
            _hasConfidence = _chain.GetOutputSchema(empty.Schema).GetColumnOrNull(options.ConfidenceColumnName) is not null;
            var chain = _chain;
            _engines = new DefaultObjectPoolProvider { MaximumRetained = 2 * Environment.ProcessorCount }
                .Create(new EnginePolicy(() => ml.Model.CreatePredictionEngine<FaceRow, PredictionRow>(chain)));
        }

        public KeypointPrediction Predict(FaceRow row)
        {
            var engine = _engines.Get();
            try
            {
                var p = engine.Predict(row);
                return new KeypointPrediction(p.Keypoints, _hasConfidence ? p.Confidence : [], p.Error);
            }
            finally
            {
                _engines.Return(engine);
            }
        }

        public void Dispose() => _chain.Dispose();
    }

    private sealed class EnginePolicy(Func<PredictionEngine<FaceRow, PredictionRow>> create) : PooledObjectPolicy<PredictionEngine<FaceRow, PredictionRow>>
    {
        public override PredictionEngine<FaceRow, PredictionRow> Create() => create();
        public override bool Return(PredictionEngine<FaceRow, PredictionRow> engine) => true;
    }

    private sealed class FaceRow
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }

    private sealed class PredictionRow
    {
        public float[] Keypoints { get; set; } = [];
        public float[] Confidence { get; set; } = [];
        public string Error { get; set; } = "";
    }
}
