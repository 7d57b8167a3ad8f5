namespace KeypointML.Evaluation;

/// <summary>
/// Builds <see cref="KeypointMetrics"/> from faces added one at a time (labels and predictions in image pixels), with
/// the measures of <see cref="KeypointErrors"/>: what <see cref="KeypointEvaluator"/> runs over an IDataView, usable
/// directly on arrays (training summaries, studies). Per-face NMEs are kept for the failure rate and AUC.
/// </summary>
/// <param name="hasBox">Faces come with a box (left, top, width, height): the box NME is computed.</param>
/// <param name="hasSize">Faces come with the image size (width, height): the normalized MSE is computed.</param>
public sealed class KeypointMetricsAccumulator(bool hasBox, bool hasSize)
{
    private int _count, _keypoints = -1;
    private double _squaredNormalized, _pixelError;
    private double[] _perKeypoint = [], _pointErrors = [];
    private readonly List<double> _nmeOcular = [], _nmePupil = [], _nmeBox = [];
    // 68 points: per region (KeypointRegion.Ibug68), sums over faces of the region's mean point error, in pixels and
    // divided by the face's inter-ocular distance.
    private readonly List<(double Confidence, double Error)> _confidencePairs = [];
    private readonly double[] _regionPixels = new double[KeypointRegion.Ibug68.Count], _regionOcular = new double[KeypointRegion.Ibug68.Count];

    /// <summary>Faces added so far.</summary>
    public int Count => _count;

    /// <summary>The per-face NMEs the failure rate and AUC use (inter-ocular for 68 points, else by box), in the order added.</summary>
    public IReadOnlyList<double> FaceNmes => _keypoints == KeypointErrors.Ibug68PointCount ? _nmeOcular : _nmeBox;

    /// <summary>Adds one face. <paramref name="box"/> and <paramref name="size"/> are required when the accumulator was made
    /// with them.</summary>
    /// <param name="label">Labelled points, image pixels.</param>
    /// <param name="prediction">Predicted points.</param>
    /// <param name="box">Face box (when the accumulator has boxes).</param>
    /// <param name="size">Image width, height (when the accumulator has sizes).</param>
    /// <param name="confidence">Per-point confidence (optional): paired with each point's error for
    /// <see cref="KeypointMetrics.ConfidenceErrorCorrelation"/>.</param>
    public void Add(ReadOnlySpan<float> label, ReadOnlySpan<float> prediction, ReadOnlySpan<float> box = default, ReadOnlySpan<float> size = default,
        ReadOnlySpan<float> confidence = default)
    {
        if (label.Length != prediction.Length || label.Length % 2 != 0 || label.Length == 0)
            throw new InvalidDataException($"EvaluateKeypoints: face {_count}: the label has {label.Length} values and the prediction {prediction.Length}; both must hold the same number of (x, y) pairs.");
        int k = label.Length / 2;
        if (_keypoints < 0) { _keypoints = k; _perKeypoint = new double[k]; _pointErrors = new double[k]; }
        else if (k != _keypoints) throw new InvalidDataException($"EvaluateKeypoints: face {_count} has {k} keypoints; earlier faces have {_keypoints}.");
        if (hasBox && box.Length != 4) throw new InvalidDataException($"EvaluateKeypoints: face {_count} has a box of {box.Length} values; expected 4.");
        if (hasSize && size.Length != 2) throw new InvalidDataException($"EvaluateKeypoints: face {_count} has an image size of {size.Length} values; expected 2.");
        KeypointErrors.PointErrors(label, prediction, _pointErrors);
        double faceError = 0;
        for (int i = 0; i < k; i++)
        {
            faceError += _pointErrors[i];
            _perKeypoint[i] += _pointErrors[i];
            if (hasSize)
            {
                double dx = (double)(prediction[2 * i] - label[2 * i]) / size[0], dy = (double)(prediction[2 * i + 1] - label[2 * i + 1]) / size[1];
                _squaredNormalized += dx * dx + dy * dy;
            }
        }
        _pixelError += faceError;
        if (confidence.Length == k)
            for (int i = 0; i < k; i++) _confidencePairs.Add((confidence[i], _pointErrors[i]));
        double meanFaceError = faceError / k;
        if (k == KeypointErrors.Ibug68PointCount)
        {
            double interOcular = KeypointErrors.InterOcularDistance(label);
            _nmeOcular.Add(meanFaceError / interOcular);
            for (int r = 0; r < KeypointRegion.Ibug68.Count; r++)
            {
                var region = KeypointRegion.Ibug68[r];
                double sum = 0;
                for (int i = region.First; i <= region.Last; i++) sum += _pointErrors[i];
                _regionPixels[r] += sum / region.Count;
                _regionOcular[r] += sum / region.Count / interOcular;
            }
            _nmePupil.Add(meanFaceError / KeypointErrors.InterPupilDistance(label));
        }
        if (hasBox) _nmeBox.Add(meanFaceError / KeypointErrors.BoxSize(box));
        _count++;
    }

    /// <summary>Spearman's rank correlation (ties get their mean rank).</summary>
    internal static double Spearman(IReadOnlyList<(double X, double Y)> pairs)
    {
        var rx = Ranks(pairs.Select(p => p.X).ToArray());
        var ry = Ranks(pairs.Select(p => p.Y).ToArray());
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    private static double[] Ranks(double[] v)
    {
        var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Length];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) j++;
            for (int t = i; t <= j; t++) ranks[order[t]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>The metrics over the faces added; <paramref name="threshold"/> is the failure NME.</summary>
    public KeypointMetrics Metrics(double threshold = Transforms.KeypointDefaults.FailureThreshold)
    {
        if (_count == 0) throw new InvalidDataException("EvaluateKeypoints: the data has no rows.");
        bool ibug = _keypoints == KeypointErrors.Ibug68PointCount;
        var basis = ibug ? _nmeOcular : hasBox ? _nmeBox : null;
        return new KeypointMetrics
        {
            Count = _count,
            Mse = hasSize ? _squaredNormalized / (_count * 2.0 * _keypoints) : null,
            MeanPixelError = _pixelError / (_count * (double)_keypoints),
            NmeInterOcular = ibug ? _nmeOcular.Average() : null,
            NmeInterPupil = ibug ? _nmePupil.Average() : null,
            NmeBox = hasBox ? _nmeBox.Average() : null,
            NmeBasis = basis == null ? null : ibug ? "interOcular" : "box",
            FailureRate = basis is null ? null : KeypointErrors.FailureRate(basis, threshold),
            Auc = basis is null ? null : KeypointErrors.Auc(basis, threshold),
            Threshold = threshold,
            ConfidenceErrorCorrelation = _confidencePairs.Count > 1 ? Spearman(_confidencePairs) : null,
            PerKeypointError = _perKeypoint.Select(e => e / _count).ToArray(),
            Regions = ibug
                ? KeypointRegionMetrics.FromList(_regionPixels.Zip(_regionOcular, (px, ocular) =>
                    new KeypointRegionError { NmeInterOcular = ocular / _count, MeanPixelError = px / _count }).ToList())
                : null,
        };
    }
}
