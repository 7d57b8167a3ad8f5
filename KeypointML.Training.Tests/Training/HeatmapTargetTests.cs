using KeypointML.Data;
using KeypointML.Codecs;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>Heatmap targets follow the cell convention: cell (j, i) of an h x w map stands for ((i + 0.5) / w, (j + 0.5) / h).</summary>
public class HeatmapTargetTests
{
    // The objective renders its targets with the library's HeatmapCodec.
    private static Tensor Gaussian(Tensor kp, int h, int w, float sigma) => new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, h, w, sigma).Targets(kp);
    private static Tensor ZeroOne(Tensor kp, int h, int w) => new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, h, w).Targets(kp);

    /// <summary>Random normalized keypoints [B, 2K] inside the map, none closer than 1e-3 cell to a cell border (where the
    /// nearest cell centre is a tie).</summary>
    private static float[] RandomKeypoints(int b, int k, int h, int w, ulong seed)
    {
        var rng = new SeededRandom(seed);
        var kp = new float[b * 2 * k];
        for (int i = 0; i < kp.Length; i++)
        {
            int cells = i % 2 == 0 ? w : h;
            double v;
            do v = rng.Uniform(0, 1); while (Math.Abs(v * cells - Math.Round(v * cells)) < 1e-3);
            kp[i] = (float)v;
        }
        return kp;
    }

    [TestCase(56, 56, 1.5f)]
    [TestCase(112, 112, 3f)]
    [TestCase(14, 20, 1f)]
    public void Gaussian_PeaksAtTheKeypointsCell_AndDecodesWithinTheQuantizationBound(int h, int w, float sigma)
    {
        const int b = 3, k = 17;
        var kp = RandomKeypoints(b, k, h, w, 42);
        using var maps = Gaussian(tensor(kp).reshape(b, 2 * k), h, w, sigma);
        Assert.That(maps.shape, Is.EqualTo(new long[] { b, k, h, w }));
        var values = maps.contiguous().data<float>().ToArray();
        Assert.That(values.Max(), Is.LessThanOrEqualTo(1f));

        var argmax = new float[b * 2 * k];
        var refined = new float[b * 2 * k];
        var confidence = new float[k];
        for (int n = 0; n < b; n++)
        {
            var face = values.AsSpan(n * k * h * w, k * h * w);
            new HeatmapCodec(k, h, w).Decode(face, argmax.AsSpan(n * 2 * k, 2 * k), confidence);
            new HeatmapCodec(k, h, w, refinement: HeatmapRefinement.QuarterOffset).Decode(face, refined.AsSpan(n * 2 * k, 2 * k), confidence);
        }
        for (int p = 0; p < b * k; p++)
        {
            float nx = kp[2 * p], ny = kp[2 * p + 1];
            int i = (int)MathF.Floor(nx * w), j = (int)MathF.Floor(ny * h);
            // The peak is the keypoint's cell: the decoder returns that cell's centre.
            Assert.That(argmax[2 * p], Is.EqualTo((i + 0.5f) / w).Within(1e-6f), $"point {p} x");
            Assert.That(argmax[2 * p + 1], Is.EqualTo((j + 0.5f) / h).Within(1e-6f), $"point {p} y");
            Assert.That(Math.Abs(argmax[2 * p] - nx), Is.LessThanOrEqualTo(0.5f / w + 1e-6f));
            Assert.That(Math.Abs(argmax[2 * p + 1] - ny), Is.LessThanOrEqualTo(0.5f / h + 1e-6f));
            // Quarter-offset: a quarter cell towards the keypoint, so within a quarter cell (half at the border, where it does not refine).
            float boundX = i > 0 && i < w - 1 ? 0.25f / w : 0.5f / w, boundY = j > 0 && j < h - 1 ? 0.25f / h : 0.5f / h;
            Assert.That(Math.Abs(refined[2 * p] - nx), Is.LessThanOrEqualTo(boundX + 1e-6f), $"point {p} refined x");
            Assert.That(Math.Abs(refined[2 * p + 1] - ny), Is.LessThanOrEqualTo(boundY + 1e-6f), $"point {p} refined y");
        }
    }

    [Test]
    public void Gaussian_HasTheRequestedShapeAroundTheKeypoint()
    {
        // A keypoint exactly at cell (j=5, i=3)'s centre of a 10 x 8 map: value 1 there, exp(-1/(2 sigma^2)) one cell away.
        using var maps = Gaussian(tensor(new[] { 3.5f / 8, 5.5f / 10 }).reshape(1, 2), 10, 8, 2f);
        Assert.That(maps[0, 0, 5, 3].item<float>(), Is.EqualTo(1f).Within(1e-6f));
        Assert.That(maps[0, 0, 5, 4].item<float>(), Is.EqualTo(MathF.Exp(-1f / 8)).Within(1e-6f));
        Assert.That(maps[0, 0, 7, 5].item<float>(), Is.EqualTo(MathF.Exp(-8f / 8)).Within(1e-6f));
    }

    [Test]
    public void ZeroOne_HasExactlyOneOnePerKeypoint_AtItsCell()
    {
        const int b = 4, k = 68, h = 56, w = 56;
        var kp = RandomKeypoints(b, k, h, w, 7);
        // Points outside the crop (a jaw below a tight box) take the nearest border cell.
        kp[0] = -0.2f; kp[1] = 0.5f; kp[2] = 1.3f; kp[3] = 1.01f;
        using var maps = ZeroOne(tensor(kp).reshape(b, 2 * k), h, w);
        Assert.That(maps.shape, Is.EqualTo(new long[] { b, k, h, w }));
        var values = maps.contiguous().data<float>().ToArray();
        Assert.That(values.All(v => v is 0f or 1f), Is.True, "only zeros and ones");
        for (int p = 0; p < b * k; p++)
        {
            var map = values.AsSpan(p * h * w, h * w);
            int ones = 0, at = -1;
            for (int c = 0; c < map.Length; c++) if (map[c] == 1f) { ones++; at = c; }
            Assert.That(ones, Is.EqualTo(1), $"map {p}");
            int i = Math.Clamp((int)MathF.Floor(kp[2 * p] * w), 0, w - 1), j = Math.Clamp((int)MathF.Floor(kp[2 * p + 1] * h), 0, h - 1);
            Assert.That(at, Is.EqualTo(j * w + i), $"map {p}: the 1 is at cell ({at / w}, {at % w}); expected ({j}, {i})");
        }
        Assert.That(values.AsSpan(0, h * w).ToArray()[28 * w + 0], Is.EqualTo(1f), "x < 0 -> column 0");
        Assert.That(values.AsSpan(h * w, h * w).ToArray()[(h - 1) * w + (w - 1)], Is.EqualTo(1f), "x, y > 1 -> the last cell");
    }

    [Test]
    public void TorchAndLibraryDecoding_Agree_AndLossesAreZeroAtTheOptimum()
    {
        var kp = RandomKeypoints(2, 5, 16, 16, 3);
        var objective = new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, 16, 16, 1.5f);
        using var keypoints = tensor(kp).reshape(2, 10);
        using var targets = objective.Targets(keypoints);
        using var mse = objective.Loss(targets, keypoints);
        Assert.That(mse.item<float>(), Is.EqualTo(0f));
        // Decoding the targets returns each keypoint's cell centre.
        using var decoded = objective.Decode(targets);
        var expected = kp.Select(v => (MathF.Floor(v * 16) + 0.5f) / 16).ToArray();
        var got = decoded.data<float>().ToArray();
        Assert.That(got, Is.EqualTo(expected).Within(1e-6f));
        // Logistic loss of a zero-one target is smallest for logits that put it there.
        var zeroOne = new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, 16, 16);
        using var t = zeroOne.Targets(keypoints);
        using var good = zeroOne.Loss(t * 20 - 10, keypoints);
        using var flat = zeroOne.Loss(full_like(t, zeroOne.InitialLogit), keypoints);
        Assert.That(good.item<float>(), Is.LessThan(0.02f));
        Assert.That(flat.item<float>(), Is.EqualTo(Math.Log(256) + 1).Within(0.05), "the prior constant costs ~ln(cells) + 1 nats per map");
    }
    [Test]
    public void AdaptiveWing_MatchesThePapersFormula_AndIsZeroAtTheOptimum()
    {
        const int h = 8, w = 8;
        var objective = new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.AdaptiveWing, h, w, 1f);
        objective.Validate();
        using var keypoints = tensor(new[] { 0.4f, 0.55f }).reshape(1, 2);
        using var target = objective.Targets(keypoints);
        using (var atOptimum = objective.Loss(target, keypoints)) Assert.That(atOptimum.item<float>(), Is.EqualTo(0f));

        // An output with small and large errors on both the peak and the background.
        var y = target.data<float>().ToArray();
        var o = y.Select((v, i) => v + (i % 3 == 0 ? 0.8f : i % 3 == 1 ? -0.1f : 0.3f)).ToArray();
        using var output = tensor(o).reshape(1, 1, h, w).requires_grad_();
        using var loss = objective.Loss(output, keypoints);
        // The formula written out cell by cell (Wang et al. 2019, eq. 6-7, alpha 2.1, omega 14, eps 1, theta 0.5; weight 10
        // where the 3x3-dilated target exceeds 0.2).
        double expected = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
            {
                double t = y[j * w + i], d = Math.Abs(o[j * w + i] - t), p = 2.1 - t;
                double a = 14 * (1 / (1 + Math.Pow(0.5, p))) * p * Math.Pow(0.5, p - 1), c = 0.5 * a - 14 * Math.Log(1 + Math.Pow(0.5, p));
                double cell = d < 0.5 ? 14 * Math.Log(1 + Math.Pow(d, p)) : a * d - c;
                double dilated = 0;
                for (int dj = -1; dj <= 1; dj++)
                    for (int di = -1; di <= 1; di++)
                        if (j + dj is >= 0 and < h && i + di is >= 0 and < w) dilated = Math.Max(dilated, y[(j + dj) * w + i + di]);
                expected += cell * (dilated > 0.2 ? 10 : 1);
            }
        Assert.That(loss.item<float>(), Is.EqualTo(expected).Within(1e-4 * expected));
        loss.backward();
        Assert.That(output.grad!.data<float>().ToArray().All(float.IsFinite), "finite gradients, the cells without error included");
        Assert.That(objective.OutputIsLogits, Is.False, "adaptive wing trains the raw output: no sigmoid is exported");
        Assert.Throws<ArgumentException>(() => new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.AdaptiveWing, h, w).Validate());
    }
}
