using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Evaluation;

/// <summary>Options of <see cref="KeypointEvaluator.Evaluate"/>.</summary>
public sealed class KeypointEvaluationOptions
{
    /// <summary>Ground-truth keypoints, float[2K] in original image pixels.</summary>
    public string LabelColumnName { get; set; } = KeypointDefaults.LabelColumn;
    /// <summary>Predicted keypoints, same layout.</summary>
    public string KeypointsColumnName { get; set; } = KeypointDefaults.KeypointsColumn;
    /// <summary>Face box, float[4] left, top, width, height, for the box NME; ignored when null or absent.</summary>
    public string? BoxColumnName { get; set; } = KeypointDefaults.BoxColumn;
    /// <summary>Image size, float[2] width, height, for the normalized MSE; ignored when null or absent.</summary>
    public string? ImageSizeColumnName { get; set; } = KeypointDefaults.ImageSizeColumn;
    /// <summary>NME threshold for failure rate and AUC.</summary>
    public double Threshold { get; set; } = KeypointDefaults.FailureThreshold;
}

/// <summary>Computes <see cref="KeypointMetrics"/> from scored data in one streaming pass.</summary>
public static class KeypointEvaluator
{
    private const int Ibug68 = 68, RightEyeOuter = 36, LeftEyeOuter = 45;

    /// <summary>Evaluates the predicted keypoints of <paramref name="data"/> against its labels.</summary>
    public static KeypointMetrics EvaluateKeypoints(this MLContext mlContext, IDataView data, KeypointEvaluationOptions? options = null) =>
        Evaluate(data, options);

    /// <summary>Evaluates the predicted keypoints of <paramref name="data"/> against its labels.</summary>
    public static KeypointMetrics Evaluate(IDataView data, KeypointEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = options ?? new KeypointEvaluationOptions();
        const string component = "EvaluateKeypoints";
        SchemaChecks.CheckFloatVector(data.Schema, o.LabelColumnName, component, 0, "labelled x0, y0, x1, y1, ... in pixels");
        SchemaChecks.CheckFloatVector(data.Schema, o.KeypointsColumnName, component, 0, "predicted x0, y0, x1, y1, ... in pixels");
        var boxColumn = o.BoxColumnName is { } b && data.Schema.GetColumnOrNull(b) is not null ? b : null;
        var sizeColumn = o.ImageSizeColumnName is { } s && data.Schema.GetColumnOrNull(s) is not null ? s : null;
        if (boxColumn != null) SchemaChecks.CheckFloatVector(data.Schema, boxColumn, component, 4, "face box left, top, width, height");
        if (sizeColumn != null) SchemaChecks.CheckFloatVector(data.Schema, sizeColumn, component, 2, "image width, height");

        var accumulator = new Accumulator(boxColumn != null, sizeColumn != null);
        var columns = new[] { o.LabelColumnName, o.KeypointsColumnName, boxColumn, sizeColumn }
            .Where(c => c != null).Select(c => data.Schema[c!]).ToArray();
        using var cursor = data.GetRowCursor(columns);
        var labelGetter = cursor.GetGetter<VBuffer<float>>(data.Schema[o.LabelColumnName]);
        var predictionGetter = cursor.GetGetter<VBuffer<float>>(data.Schema[o.KeypointsColumnName]);
        var boxGetter = boxColumn != null ? cursor.GetGetter<VBuffer<float>>(data.Schema[boxColumn]) : null;
        var sizeGetter = sizeColumn != null ? cursor.GetGetter<VBuffer<float>>(data.Schema[sizeColumn]) : null;
        VBuffer<float> label = default, prediction = default, box = default, size = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            labelGetter(ref label);
            predictionGetter(ref prediction);
            boxGetter?.Invoke(ref box);
            sizeGetter?.Invoke(ref size);
            if (label.Length != prediction.Length || label.Length % 2 != 0 || label.Length == 0)
                throw new InvalidDataException($"{component}: row {row}: '{o.LabelColumnName}' has {label.Length} values and '{o.KeypointsColumnName}' {prediction.Length}; both must hold the same number of (x, y) pairs.");
            accumulator.Add(label.DenseValues().ToArray(), prediction.DenseValues().ToArray(),
                boxGetter != null ? box.DenseValues().ToArray() : null, sizeGetter != null ? size.DenseValues().ToArray() : null, row);
            row++;
        }
        return accumulator.Metrics(o.Threshold);
    }

    /// <summary>Running sums over rows; per-row NMEs are kept for failure rate and AUC (one double per row).</summary>
    private sealed class Accumulator(bool hasBox, bool hasSize)
    {
        private int _count, _keypoints = -1;
        private double _squaredNormalized, _pixelError;
        private double[] _perKeypoint = [];
        private readonly List<double> _nmeOcular = [], _nmePupil = [], _nmeBox = [];
        // 68 points: per region (KeypointRegion.Ibug68), sums over rows of the region's mean point error, in pixels and
        // divided by the row's inter-ocular distance.
        private readonly double[] _regionPixels = new double[KeypointRegion.Ibug68.Count], _regionOcular = new double[KeypointRegion.Ibug68.Count];
        private double[] _pointErrors = [];

        public void Add(float[] label, float[] prediction, float[]? box, float[]? size, long row)
        {
            int k = label.Length / 2;
            if (_keypoints < 0) { _keypoints = k; _perKeypoint = new double[k]; _pointErrors = new double[k]; }
            else if (k != _keypoints) throw new InvalidDataException($"EvaluateKeypoints: row {row} has {k} keypoints; earlier rows have {_keypoints}.");
            double rowError = 0;
            for (int i = 0; i < k; i++)
            {
                double dx = prediction[2 * i] - label[2 * i], dy = prediction[2 * i + 1] - label[2 * i + 1];
                double d = Math.Sqrt(dx * dx + dy * dy);
                rowError += d;
                _perKeypoint[i] += d;
                _pointErrors[i] = d;
                if (hasSize) _squaredNormalized += dx / size![0] * (dx / size[0]) + dy / size[1] * (dy / size[1]);
            }
            _pixelError += rowError;
            double meanRowError = rowError / k;
            if (k == Ibug68)
            {
                double interOcular = Distance(Point(label, RightEyeOuter), Point(label, LeftEyeOuter));
                _nmeOcular.Add(meanRowError / interOcular);
                for (int r = 0; r < KeypointRegion.Ibug68.Count; r++)
                {
                    var region = KeypointRegion.Ibug68[r];
                    double sum = 0;
                    for (int i = region.First; i <= region.Last; i++) sum += _pointErrors[i];
                    _regionPixels[r] += sum / region.Count;
                    _regionOcular[r] += sum / region.Count / interOcular;
                }
                _nmePupil.Add(meanRowError / Distance(Mean(label, 36, 41), Mean(label, 42, 47)));
            }
            if (hasBox) _nmeBox.Add(meanRowError / Math.Sqrt(box![2] * (double)box[3]));
            _count++;
        }

        public KeypointMetrics Metrics(double threshold)
        {
            if (_count == 0) throw new InvalidDataException("EvaluateKeypoints: the data has no rows.");
            var basis = _keypoints == Ibug68 ? _nmeOcular : hasBox ? _nmeBox : null;
            return new KeypointMetrics
            {
                Count = _count,
                Mse = hasSize ? _squaredNormalized / (_count * 2.0 * _keypoints) : null,
                MeanPixelError = _pixelError / (_count * (double)_keypoints),
                NmeInterOcular = _keypoints == Ibug68 ? _nmeOcular.Average() : null,
                NmeInterPupil = _keypoints == Ibug68 ? _nmePupil.Average() : null,
                NmeBox = hasBox ? _nmeBox.Average() : null,
                NmeBasis = basis == null ? null : _keypoints == Ibug68 ? "interOcular" : "box",
                FailureRate = basis?.Count(e => !(e <= threshold)) / (double)_count,
                // CED(e) = share of rows with NME <= e; its integral from 0 to T is the mean of max(0, T - NME).
                Auc = basis?.Sum(e => e < threshold ? threshold - e : 0) / (_count * threshold),
                Threshold = threshold,
                PerKeypointError = _perKeypoint.Select(e => e / _count).ToArray(),
                Regions = _keypoints == Ibug68
                    ? KeypointRegionMetrics.FromList(_regionPixels.Zip(_regionOcular, (px, ocular) =>
                        new KeypointRegionError { NmeInterOcular = ocular / _count, MeanPixelError = px / _count }).ToList())
                    : null,
            };
        }

        private static (double X, double Y) Point(float[] v, int i) => (v[2 * i], v[2 * i + 1]);

        private static (double X, double Y) Mean(float[] v, int first, int last)
        {
            double x = 0, y = 0;
            for (int i = first; i <= last; i++) { x += v[2 * i]; y += v[2 * i + 1]; }
            int n = last - first + 1;
            return (x / n, y / n);
        }

        private static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
    }
}
