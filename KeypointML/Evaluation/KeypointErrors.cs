namespace KeypointML.Evaluation;

/// <summary>
/// The error measures of the field, defined once: per-point Euclidean error, the normalisers (inter-ocular,
/// inter-pupil, box size), and the failure rate and area under the cumulative error curve over per-face NMEs. Used by
/// <see cref="KeypointEvaluator"/>, the training summaries, the report and the studies.
/// </summary>
public static class KeypointErrors
{
    /// <summary>Points of the iBUG 300-W scheme.</summary>
    public const int Ibug68PointCount = 68;
    /// <summary>0-based index of the right eye's outer corner (the subject's right: image left) in the 68-point scheme.</summary>
    public const int RightEyeOuterCorner = 36;
    /// <summary>0-based index of the left eye's outer corner in the 68-point scheme.</summary>
    public const int LeftEyeOuterCorner = 45;

    /// <summary>The Euclidean distance of each predicted point to its label, in the coordinates' units.</summary>
    public static void PointErrors(ReadOnlySpan<float> label, ReadOnlySpan<float> prediction, Span<double> errors)
    {
        if (label.Length != prediction.Length || label.Length % 2 != 0 || errors.Length != label.Length / 2)
            throw new ArgumentException($"Labels ({label.Length} values), predictions ({prediction.Length}) and errors ({errors.Length}) do not describe the same (x, y) pairs.");
        for (int i = 0; i < errors.Length; i++)
        {
            double dx = prediction[2 * i] - label[2 * i], dy = prediction[2 * i + 1] - label[2 * i + 1];
            errors[i] = Math.Sqrt(dx * dx + dy * dy);
        }
    }

    /// <summary>The mean Euclidean point error of one face.</summary>
    public static double MeanPointError(ReadOnlySpan<float> label, ReadOnlySpan<float> prediction)
    {
        Span<double> errors = label.Length <= 512 ? stackalloc double[label.Length / 2] : new double[label.Length / 2];
        PointErrors(label, prediction, errors);
        double sum = 0;
        foreach (var e in errors) sum += e;
        return sum / errors.Length;
    }

    /// <summary>The 300-W normaliser: the distance between the labelled outer eye corners (points 36 and 45 of 68).</summary>
    public static double InterOcularDistance(ReadOnlySpan<float> label)
    {
        RequireIbug68(label);
        return Distance(label, RightEyeOuterCorner, LeftEyeOuterCorner);
    }

    /// <summary>The distance between the labelled pupils, each the mean of its eye's six points (36-41 and 42-47 of 68).</summary>
    public static double InterPupilDistance(ReadOnlySpan<float> label)
    {
        RequireIbug68(label);
        var (rx, ry) = Mean(label, 36, 41);
        var (lx, ly) = Mean(label, 42, 47);
        return Math.Sqrt((rx - lx) * (rx - lx) + (ry - ly) * (ry - ly));
    }

    /// <summary>The box normaliser sqrt(width * height) of a face box (left, top, width, height).</summary>
    public static double BoxSize(ReadOnlySpan<float> box) =>
        box.Length == 4 ? Math.Sqrt(box[2] * (double)box[3]) : throw new ArgumentException($"A face box has 4 values; got {box.Length}.", nameof(box));

    /// <summary>NME by inter-ocular distance of one 68-point face: mean point error / <see cref="InterOcularDistance"/>.</summary>
    public static double NmeInterOcular(ReadOnlySpan<float> label, ReadOnlySpan<float> prediction) =>
        MeanPointError(label, prediction) / InterOcularDistance(label);

    /// <summary>Share of faces whose NME exceeds <paramref name="threshold"/> (a NaN NME counts as a failure).</summary>
    public static double FailureRate(IReadOnlyCollection<double> nmes, double threshold) =>
        nmes.Count == 0 ? double.NaN : nmes.Count(e => !(e <= threshold)) / (double)nmes.Count;

    /// <summary>Area under the cumulative error curve from 0 to <paramref name="threshold"/>, divided by the threshold:
    /// CED(e) is the share of faces with NME &lt;= e, and its integral is the mean of max(0, threshold - NME).</summary>
    public static double Auc(IReadOnlyCollection<double> nmes, double threshold) =>
        nmes.Count == 0 ? double.NaN : nmes.Sum(e => e < threshold ? threshold - e : 0) / (nmes.Count * threshold);

    private static void RequireIbug68(ReadOnlySpan<float> label)
    {
        if (label.Length != 2 * Ibug68PointCount)
            throw new ArgumentException($"The eye normalisers need the 68-point scheme; the label has {label.Length / 2} points.", nameof(label));
    }

    private static double Distance(ReadOnlySpan<float> v, int a, int b)
    {
        double dx = v[2 * a] - v[2 * b], dy = v[2 * a + 1] - v[2 * b + 1];
        return Math.Sqrt(dx * dx + dy * dy);
    }

    private static (double X, double Y) Mean(ReadOnlySpan<float> v, int first, int last)
    {
        double x = 0, y = 0;
        for (int i = first; i <= last; i++) { x += v[2 * i]; y += v[2 * i + 1]; }
        int n = last - first + 1;
        return (x / n, y / n);
    }
}
