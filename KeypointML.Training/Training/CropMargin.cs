using KeypointML.Data;

namespace KeypointML.Training.Training;

/// <summary>
/// Measures how far face boxes must be scaled (around their centre, squared, as <c>CropGeometry.AroundBox</c> does) for
/// all of a face's keypoints to fall inside the crop.
/// </summary>
public static class CropMargin
{
    /// <summary>The smallest square-crop scale that holds every keypoint of <paramref name="sample"/> (with half a pixel to spare).</summary>
    public static float RequiredScale(KeypointSample sample)
    {
        float left = sample.Box[0], top = sample.Box[1], w = sample.Box[2], h = sample.Box[3];
        float cx = left + w / 2f, cy = top + h / 2f, side = MathF.Max(w, h);
        float need = 0;
        for (int i = 0; i + 1 < sample.Keypoints.Length; i += 2)
            need = MathF.Max(need, MathF.Max(MathF.Abs(sample.Keypoints[i] - cx), MathF.Abs(sample.Keypoints[i + 1] - cy)) + 0.5f);
        return 2f * need / side;
    }

    /// <summary>The distribution of required scales over a training set.</summary>
    public sealed record Measurement(int Faces, float Min, float Median, float P95, float P99, float Max, float Chosen)
    {
        public override string ToString() => FormattableString.Invariant(
            $"crop scale needed over {Faces} training faces: min {Min:F3}, median {Median:F3}, 95% {P95:F3}, 99% {P99:F3}, max {Max:F3}; chosen {Chosen:F2} (99th percentile, rounded up to 0.05)");
    }

    /// <summary>Measures the scales and chooses the 99th percentile rounded up to 0.05: every keypoint of 99% of the
    /// training faces fits; the rest are outliers (boxes far off their faces) that would shrink every face for a few.</summary>
    public static Measurement Measure(IEnumerable<KeypointSample> samples)
    {
        var s = samples.Select(RequiredScale).OrderBy(v => v).ToArray();
        if (s.Length == 0) throw new ArgumentException("No faces to measure the crop margin on.");
        float Q(double q) => s[Math.Min(s.Length - 1, (int)Math.Ceiling(q * s.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(q * s.Length) - 1)];
        float p99 = Q(0.99);
        return new Measurement(s.Length, s[0], Q(0.5), Q(0.95), p99, s[^1], MathF.Ceiling(p99 * 20f - 1e-4f) / 20f);
    }
}
