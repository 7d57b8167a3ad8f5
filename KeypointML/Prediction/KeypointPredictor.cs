using KeypointML.Engine;
using KeypointML.Models;
using KeypointML.Transforms;
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
/// Scores single faces from any number of threads at once: a thin door onto <see cref="FaceEngine"/> (the image read and
/// cropped as <c>DetectKeypoints</c> reads and crops it, one landmark run, the model's codec), so every call gives the
/// points <c>DetectKeypoints</c> gives for the same row, bit for bit, and no ML.NET machinery runs per call. The engine's
/// one ONNX Runtime session is thread-safe; each call's buffers are its own.
/// </summary>
/// <remarks>Bad input follows <see cref="KeypointDetectionOptions.OnBadRow"/>: marked (the default: <see
/// cref="KeypointPrediction.Error"/>, with the message the pipeline marks the row with) or, under <see
/// cref="BadRowPolicy.Fail"/>, a <see cref="KeypointRowException"/>.</remarks>
public sealed class KeypointPredictor : IDisposable
{
    private readonly KeypointModel _model;
    private readonly bool _ownsModel;
    private readonly FaceEngine _engine;
    private readonly bool _reducedDecoding, _fail, _hasConfidence;

    /// <summary>Opens the model once (or shares <see cref="KeypointDetectionOptions.Model"/>) with the session settings
    /// <c>DetectKeypoints</c> would use (the context's device included), and the engine over it.</summary>
    public KeypointPredictor(MLContext ml, KeypointDetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        _ownsModel = options.Model is null;
        _model = options.Model ?? KeypointModel.Open(options.ModelPath ?? throw new ArgumentException("give ModelPath or Model.", nameof(options)),
            ContextSettings.WithContextDevice(ml.Transforms, KeypointDetectionEstimator.ModelOptions(options)));
        try
        {
            _engine = new FaceEngine(_model, KeypointDetectionEstimator.EngineOptions(options));
        }
        catch
        {
            if (_ownsModel) _model.Dispose();
            throw;
        }
        _reducedDecoding = options.ReducedDecoding;
        _hasConfidence = _model.Codec().HasConfidence;
        // A single face cannot be skipped: it is marked (or fails, when asked).
        _fail = options.OnBadRow == BadRowPolicy.Fail;
    }

    /// <summary>The model and its metadata.</summary>
    public KeypointModel Model => _model;

    /// <summary>The points of the face in <paramref name="box"/> (left, top, width, height; null = the whole image is the
    /// face, as the IMM models expect) of the image file at <paramref name="imagePath"/>. Thread-safe.</summary>
    public KeypointPrediction Predict(string imagePath, float[]? box = null)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        var pre = _model.Preprocessing;
        try
        {
            using var pixels = FaceTensorMapping.ReadForCrop(imagePath, box, pre, _reducedDecoding, out var geometry);
            var crop = RegionCrop.UprightCrop(geometry);
            var points = _engine.Points(pixels.Source, [crop], [FaceRegion.FromBox(box ?? geometry.ToVector())])[0];
            return new KeypointPrediction(points.Keypoints, _hasConfidence ? points.Confidence : [], "");
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            if (_fail) throw new KeypointRowException(0, imagePath, e.Message, e);
            var nan = new float[2 * _model.Metadata.KeypointCount];
            Array.Fill(nan, float.NaN);
            var confidence = new float[_model.Metadata.KeypointCount];
            Array.Fill(confidence, float.NaN);
            return new KeypointPrediction(nan, _hasConfidence ? confidence : [], e.Message);
        }
    }

    /// <summary>Frees the model's session when this predictor opened it.</summary>
    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
