using KeypointML.Analysis;
using KeypointML.Engine;

namespace KeypointML.Tests.Analysis;

/// <summary>The chip warp, the similarity fit and the eye and mouth ratios against values computed by hand.</summary>
public class FaceAnalysisTests
{
    [Test]
    public void A_similarity_is_fitted_exactly_to_points_it_maps()
    {
        // Scale 2, a quarter turn, shift (10, 10): (0, 0) -> (10, 10), (1, 0) -> (10, 12), (0, 1) -> (8, 10).
        var t = SimilarityTransform.Fit([0, 0, 1, 0, 0, 1], [10, 10, 10, 12, 8, 10]);
        Assert.That(t.Scale, Is.EqualTo(2f).Within(1e-5));
        Assert.That(t.Angle, Is.EqualTo(MathF.PI / 2).Within(1e-5));
        var (x, y) = t.Apply(3, 4);
        Assert.That((x, y), Is.EqualTo((2f, 16f)).Using<(float, float)>((a, b) => MathF.Abs(a.Item1 - b.Item1) < 1e-4 && MathF.Abs(a.Item2 - b.Item2) < 1e-4));
        var (u, v) = t.Inverse().Apply(x, y);
        Assert.That(u, Is.EqualTo(3f).Within(1e-4));
        Assert.That(v, Is.EqualTo(4f).Within(1e-4));
    }

    // 68 points whose five chip points are the ArcFace template moved by (dx, dy); the rest at the nose.
    private static float[] PointsAt(float dx, float dy)
    {
        var t = FaceChipTemplate.ArcFace112.Points;
        var p = new float[136];
        void Set(int k, float x, float y) { p[2 * k] = x + dx; p[2 * k + 1] = y + dy; }
        for (int k = 0; k < 68; k++) Set(k, t[4], t[5]);
        for (int k = 36; k < 42; k++) Set(k, t[0], t[1]);
        for (int k = 42; k < 48; k++) Set(k, t[2], t[3]);
        Set(30, t[4], t[5]);
        Set(48, t[6], t[7]);
        Set(54, t[8], t[9]);
        return p;
    }

    [Test]
    public void The_chip_of_a_face_at_the_templates_place_plus_a_shift_is_that_part_of_the_image()
    {
        const int w = 300, h = 240;
        var grey = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) grey[y * w + x] = (byte)((x + 2 * y) % 256);
        var chip = FaceChips.Extract(new ImagePixels(grey, w, h, PixelFormat.Gray8), PointsAt(100, 50));
        Assert.That(chip.Size, Is.EqualTo(112));
        Assert.That(chip.Format, Is.EqualTo(PixelFormat.Gray8));
        // Chip pixel (x, y) is image pixel (x + 100, y + 50).
        foreach (var (x, y) in new[] { (0, 0), (56, 56), (111, 111), (10, 90) })
            Assert.That(chip.Pixels[y * 112 + x], Is.EqualTo(grey[(y + 50) * w + x + 100]), $"chip pixel ({x}, {y})");
        // Outside the image is black: the same face 120 px further left has its chip's left part outside.
        var outside = FaceChips.Extract(new ImagePixels(grey, w, h, PixelFormat.Gray8), PointsAt(-20, 50));
        Assert.That(outside.Pixels[56 * 112 + 5], Is.EqualTo(0));
        Assert.That(outside.Pixels[56 * 112 + 60], Is.EqualTo(grey[106 * w + 40]));
    }

    [Test]
    public void A_dlib_style_chip_spans_the_mean_face_less_its_padding_and_warps_like_any_template()
    {
        var dlib = FaceChipTemplate.DlibStyle(150, 0.25f);
        Assert.That(dlib.Landmarks, Is.EqualTo(Enumerable.Range(17, 51)));
        var xs = dlib.Points.Where((_, i) => i % 2 == 0).ToArray();
        // The mean face spans [0, 1] on its longer axis: with padding 0.25 of 1.5, chip x from 0.25 / 1.5 to 1.25 / 1.5 of 150.
        Assert.That(xs.Min(), Is.EqualTo(25f - 0.5f).Within(1e-3));
        Assert.That(xs.Max(), Is.EqualTo(125f - 0.5f).Within(1e-3));
        // A face whose points 17-67 are the template's moved by (30, 20): the chip is that part of the image.
        const int w = 260, h = 220;
        var grey = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) grey[y * w + x] = (byte)((3 * x + y) % 256);
        var points = new float[136];
        for (int k = 0; k < 51; k++) { points[2 * (17 + k)] = dlib.Points[2 * k] + 30; points[2 * (17 + k) + 1] = dlib.Points[2 * k + 1] + 20; }
        var chip = FaceChips.Extract(new ImagePixels(grey, w, h, PixelFormat.Gray8), points, dlib);
        Assert.That(chip.Size, Is.EqualTo(150));
        foreach (var (x, y) in new[] { (0, 0), (75, 75), (149, 149) })
            Assert.That(chip.Pixels[y * 150 + x], Is.EqualTo(grey[(y + 20) * w + x + 30]), $"chip pixel ({x}, {y})");
    }

    [Test]
    public void Eye_and_mouth_ratios_are_the_openings_over_the_widths()
    {
        var p = new float[136];
        void Set(int k, float x, float y) { p[2 * k] = x; p[2 * k + 1] = y; }
        // Right eye 30 wide (36 at 0, 39 at 30), lids 6 apart at both pairs (37-41, 38-40): ratio 12 / 60 = 0.2.
        Set(36, 0, 0); Set(39, 30, 0); Set(37, 10, -3); Set(41, 10, 3); Set(38, 20, -3); Set(40, 20, 3);
        // Left eye 30 wide, lids 12 apart: 0.4.
        Set(42, 60, 0); Set(45, 90, 0); Set(43, 70, -6); Set(47, 70, 6); Set(44, 80, -6); Set(46, 80, 6);
        // Inner lips 40 wide (60-64), openings 10, 20, 10 (61-67, 62-66, 63-65): 40 / 120 = 1/3.
        Set(60, 20, 50); Set(64, 60, 50); Set(61, 30, 45); Set(67, 30, 55); Set(62, 40, 40); Set(66, 40, 60); Set(63, 50, 45); Set(65, 50, 55);
        var open = FaceOpenness.Of(p);
        Assert.That(open.RightEye, Is.EqualTo(0.2f).Within(1e-5));
        Assert.That(open.LeftEye, Is.EqualTo(0.4f).Within(1e-5));
        Assert.That(open.Mouth, Is.EqualTo(1f / 3).Within(1e-5));
        Assert.That(open.Eyes, Is.EqualTo(0.3f).Within(1e-5));
    }
}
