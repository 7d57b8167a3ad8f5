using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

public class AugmentationTests
{
    private const int H = 60, W = 80;

    /// <summary>An image of black (-0.5) with a bright Gaussian dot centred at pixel (x, y).</summary>
    private static Tensor Dot(float x, float y, float sigma = 1.5f)
    {
        var data = new float[H * W];
        for (int j = 0; j < H; j++)
            for (int i = 0; i < W; i++)
                data[j * W + i] = -0.5f + MathF.Exp(-((i - x) * (i - x) + (j - y) * (j - y)) / (2 * sigma * sigma));
        return tensor(data).reshape(1, 1, H, W);
    }

    /// <summary>The brightness-weighted centroid (pixels) of an image over black.</summary>
    private static (double X, double Y) Centroid(Tensor image)
    {
        var v = image.contiguous().data<float>().ToArray();
        double sum = 0, sx = 0, sy = 0;
        for (int j = 0; j < H; j++)
            for (int i = 0; i < W; i++)
            {
                double m = Math.Max(0, v[j * W + i] + 0.5);
                sum += m; sx += m * i; sy += m * j;
            }
        return (sx / sum, sy / sum);
    }

    [TestCase(12f, 7f, -5f, false, 1f)]
    [TestCase(-15f, -10f, 10f, false, 1f)]
    [TestCase(0f, 0f, 0f, true, 1f)]
    [TestCase(9f, 4f, 3f, true, 1f)]
    [TestCase(0f, 0f, 0f, false, 1.25f)]
    [TestCase(-8f, 3f, -2f, true, 0.8f)]
    public void RotateShiftFlipScale_DotStaysUnderKeypoint(float angle, float dx, float dy, bool flip, float scale)
    {
        using var scope = NewDisposeScope();
        const float x = 30.3f, y = 22.7f;
        var image = Dot(x, y);
        // One keypoint: its own mirror (a single-point mirror map).
        var targets = tensor(new[] { (x + 0.5f) / W, (y + 0.5f) / H }).reshape(1, 2);
        var aug = new KeypointAugmenter(new AugmentationOptions { MirrorMap = [0] });
        var (img, tgt) = aug.ApplyGeometry(image, targets, [new GeometricTransform(angle, dx, dy, flip, scale)]);
        var t = tgt.data<float>().ToArray();
        double kx = t[0] * W - 0.5, ky = t[1] * H - 0.5;
        var (cx, cy) = Centroid(img);
        TestContext.Out.WriteLine($"keypoint ({kx:F3}, {ky:F3}), dot ({cx:F3}, {cy:F3})");
        Assert.That(Math.Sqrt((cx - kx) * (cx - kx) + (cy - ky) * (cy - ky)), Is.LessThan(0.5));
        // The keypoint really moved where expected for a pure shift.
        if (angle == 0 && !flip && scale == 1) Assert.That(kx, Is.EqualTo(x + dx).Within(1e-3));
        // A pure scale moves the keypoint away from (or towards) the centre by the factor.
        if (angle == 0 && !flip && dx == 0 && dy == 0) Assert.That(kx - (W - 1) / 2.0, Is.EqualTo(scale * (x - (W - 1) / 2.0)).Within(1e-3));
        // The area brought in from outside is black.
        Assert.That(img.min().item<float>(), Is.EqualTo(-0.5f).Within(1e-5));
    }

    [Test]
    public void RandomAugment_KeepsEveryDotUnderItsKeypoint_AndPointsInside()
    {
        using var scope = NewDisposeScope();
        var rng = new SeededRandom(42);
        var aug = new KeypointAugmenter(new AugmentationOptions { Brightness = 0.3f, MaxRotationDegrees = 15, MaxShiftPixels = 10 });
        for (int n = 0; n < 8; n++)
        {
            float x = (float)rng.Uniform(10, 70), y = (float)rng.Uniform(10, 50);
            var targets = tensor(new[] { (x + 0.5f) / W, (y + 0.5f) / H }).reshape(1, 2);
            var (img, tgt) = aug.Augment(Dot(x, y), targets, rng);
            var t = tgt.data<float>().ToArray();
            Assert.That(t.All(v => v >= 0 && v <= 1), Is.True, "a visible keypoint left the image");
            var (cx, cy) = Centroid(img);
            double kx = t[0] * W - 0.5, ky = t[1] * H - 0.5;
            Assert.That(Math.Sqrt((cx - kx) * (cx - kx) + (cy - ky) * (cy - ky)), Is.LessThan(0.5));
        }
    }

    [Test]
    public void Brightness_ScalesGreyLevelsAndClips()
    {
        var img = tensor(new[] { -0.5f, 0f, 0.4f }).reshape(1, 1, 1, 3);
        var v = KeypointAugmenter.ApplyBrightness(img, [1.5f]).data<float>().ToArray();
        Assert.That(v, Is.EqualTo(new[] { -0.5f, 0.25f, 0.5f }).Within(1e-6));
    }

    [Test]
    public void Ibug68MirrorMap_IsInvolution_AndSwapsEyeCorners()
    {
        var m = MirrorMaps.Ibug68;
        Assert.That(m, Has.Count.EqualTo(68));
        Assert.That(Enumerable.Range(0, 68).All(i => m[m[i]] == i), Is.True);
        Assert.That(m.OrderBy(i => i), Is.EqualTo(Enumerable.Range(0, 68)));
        Assert.Multiple(() =>
        {
            Assert.That(m[36], Is.EqualTo(45));
            Assert.That(m[39], Is.EqualTo(42));
            Assert.That(m[0], Is.EqualTo(16));
            Assert.That(m[17], Is.EqualTo(26));
            Assert.That(m[48], Is.EqualTo(54));
            Assert.That(m[30], Is.EqualTo(30));
            Assert.That(m[62], Is.EqualTo(62));
        });
    }

    [Test]
    public void Flip_SwapsLeftAndRightPointsInPlace()
    {
        using var scope = NewDisposeScope();
        var kp = new float[136];
        for (int i = 0; i < 68; i++) { kp[2 * i] = 0.2f + 0.005f * i; kp[2 * i + 1] = 0.3f; }
        var aug = new KeypointAugmenter(new AugmentationOptions { MirrorMap = MirrorMaps.Ibug68 });
        var (_, tgt) = aug.ApplyGeometry(zeros(1, 1, 8, 8), tensor(kp).reshape(1, 136), [new GeometricTransform(0, 0, 0, true)]);
        var t = tgt.data<float>().ToArray();
        // New point 36 (image-left eye corner after the flip) is the mirrored old point 45.
        Assert.That(t[2 * 36], Is.EqualTo(1 - kp[2 * 45]).Within(1e-6));
        Assert.That(t[2 * 45], Is.EqualTo(1 - kp[2 * 36]).Within(1e-6));
        // Flipping twice gives back the original.
        var (_, back) = aug.ApplyGeometry(zeros(1, 1, 8, 8), tgt, [new GeometricTransform(0, 0, 0, true)]);
        Assert.That(back.data<float>().ToArray(), Is.EqualTo(kp).Within(1e-6));
    }

    [Test]
    public void Occlusion_PaintsOneRectangle_AndLeavesTargetsAndTheRestAlone()
    {
        using var scope = NewDisposeScope();
        var img = Dot(40, 30);
        var before = img.data<float>().ToArray();
        var painted = KeypointAugmenter.ApplyOcclusion(img, [new KeypointAugmenter.Occluder(10, 5, 30, 25, 255)]).data<float>().ToArray();
        Assert.That(img.data<float>().ToArray(), Is.EqualTo(before), "the input changed");
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                bool inside = x >= 10 && x < 30 && y >= 5 && y < 25;
                Assert.That(painted[y * W + x], Is.EqualTo(inside ? 0.5f : before[y * W + x]).Within(1e-6), $"pixel ({x}, {y})");
            }

        // Through the augmenter: every occluded sample differs from its un-occluded draw in one rectangle of 10-40% of
        // each side, the targets are the same, and the un-occluded draw is what a run without occlusion draws.
        var targets = tensor(new[] { 40.5f / W, 30.5f / H }).reshape(1, 2);
        var plain = new KeypointAugmenter(new AugmentationOptions { MaxRotationDegrees = 10, MaxShiftPixels = 5 });
        var occluding = new KeypointAugmenter(plain.Options with { OcclusionProbability = 1 });
        for (int n = 0; n < 5; n++)
        {
            var (a, ta) = plain.Augment(img, targets, new SeededRandom((ulong)n));
            var (o, to) = occluding.Augment(img, targets, new SeededRandom((ulong)n));
            Assert.That(to.data<float>().ToArray(), Is.EqualTo(ta.data<float>().ToArray()));
            var av = a.data<float>().ToArray();
            var ov = o.data<float>().ToArray();
            var changed = Enumerable.Range(0, H * W).Where(k => Math.Abs(av[k] - ov[k]) > 1e-6).ToList();
            Assert.That(changed, Is.Not.Empty, $"draw {n}: nothing occluded");
            int x0 = changed.Min(k => k % W), x1 = changed.Max(k => k % W), y0 = changed.Min(k => k / W), y1 = changed.Max(k => k / W);
            Assert.That(x1 - x0 + 1, Is.InRange(0.1 * W - 1, 0.4 * W + 1), $"draw {n}: width");
            Assert.That(y1 - y0 + 1, Is.InRange(0.1 * H - 1, 0.4 * H + 1), $"draw {n}: height");
            var fill = ov[changed[0]];
            Assert.That(changed.All(k => Math.Abs(ov[k] - fill) < 1e-6), Is.True, $"draw {n}: not one grey level");
        }
    }

    [Test]
    public void LowResolution_BlursTheSampleItShrinks_AndMovesNothing()
    {
        using var scope = NewDisposeScope();
        // A one-pixel checkerboard: shrunk to a quarter and enlarged back it averages to grey; the dot's centre stays put.
        var data = new float[H * W];
        for (int j = 0; j < H; j++)
            for (int i = 0; i < W; i++)
                data[j * W + i] = (i + j) % 2 == 0 ? 0.5f : -0.5f;
        var board = tensor(data).reshape(1, 1, H, W);
        var dot = Dot(40, 30, sigma: 3);
        var batch = cat([board, dot, dot], 0);
        var result = KeypointAugmenter.ApplyLowResolution(batch, [0.25f, 0.25f, null]);
        var blurred = result.narrow(0, 0, 1).data<float>().ToArray();
        Assert.That(blurred.Select(Math.Abs).Max(), Is.LessThan(0.05), "the checkerboard survived");
        Assert.That(result.narrow(0, 2, 1).data<float>().ToArray(), Is.EqualTo(dot.data<float>().ToArray()), "a sample without a factor changed");
        var (cx, cy) = Centroid(result.narrow(0, 1, 1));
        Assert.That(cx, Is.EqualTo(40).Within(0.3));
        Assert.That(cy, Is.EqualTo(30).Within(0.3));
        Assert.That(batch.narrow(0, 0, 1).data<float>().ToArray(), Is.EqualTo(data), "the input changed");

        // Through the augmenter: the targets are those of the same draw without it, and every sample is blurred.
        var targets = tensor(new[] { 40.5f / W, 30.5f / H }).reshape(1, 2);
        var plain = new KeypointAugmenter(new AugmentationOptions { MaxRotationDegrees = 10, MaxShiftPixels = 5 });
        var shrinking = new KeypointAugmenter(plain.Options with { LowResolutionProbability = 1 });
        var (a, ta) = plain.Augment(board, targets, new SeededRandom(1));
        var (s, ts) = shrinking.Augment(board, targets, new SeededRandom(1));
        Assert.That(ts.data<float>().ToArray(), Is.EqualTo(ta.data<float>().ToArray()));
        // The centre, which no draw fills with black: the checkerboard's contrast mostly gone.
        var centre = (Tensor t) => t.narrow(2, 20, 20).narrow(3, 25, 30).abs().mean().item<float>();
        TestContext.Out.WriteLine($"mean |value| at the centre: {centre(a):F3} without, {centre(s):F3} with low resolution");
        Assert.That(centre(s), Is.LessThan(centre(a) * 0.5), "not blurred");
    }
}
