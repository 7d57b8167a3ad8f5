using KeypointML.Engine;

namespace KeypointML.Tests.Engine;

/// <summary>The detector's input: the levelled square around a point (the levelled second look), turned by a roll, and
/// the extra searches' smaller copies resized from the first search's planes, against values computed by hand.</summary>
public class DetectorInputTests
{
    // A 6 x 4 BGR image whose pixel (x, y) has B = 10 x + y, G = 100 + x, R = 200 + y.
    private static byte[] Gradient(out int width, out int height)
    {
        width = 6; height = 4;
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 3;
                (pixels[o], pixels[o + 1], pixels[o + 2]) = ((byte)(10 * x + y), (byte)(100 + x), (byte)(200 + y));
            }
        return pixels;
    }

    [Test]
    public void Without_roll_the_square_is_the_image_around_its_centre()
    {
        var pixels = Gradient(out int w, out int h);
        var planes = new float[3 * 4 * 4];
        // A 2 x 2 square centred between pixels (2, 1) and (3, 2): exactly those four pixels, in the 4 x 4 padded planes.
        DetectorInput.LevelledBgrPlanes(new ImagePixels(pixels, w, h, PixelFormat.Bgr24), 2.5f, 1.5f, 2f, 0f, 2, 4, planes);
        Assert.That(new[] { planes[0], planes[1], planes[4], planes[5] }, Is.EqualTo(new[] { 21f, 31f, 22f, 32f }).Within(1e-4));
        Assert.That(planes[16 + 1], Is.EqualTo(103f).Within(1e-4), "G of (3, 1)");
        Assert.That(planes[32 + 4], Is.EqualTo(202f).Within(1e-4), "R of (2, 2)");
        Assert.That(planes[2], Is.Zero, "padding stays zero");
    }

    [Test]
    public void A_roll_of_a_quarter_turn_samples_along_the_turned_axes_and_black_outside()
    {
        var pixels = Gradient(out int w, out int h);
        var planes = new float[3 * 2 * 2];
        // Rolled +90 degrees: the output's right (+u) is the image's down (+y), its down (+v) the image's left (-x).
        DetectorInput.LevelledBgrPlanes(new ImagePixels(pixels, w, h, PixelFormat.Bgr24), 2.5f, 1.5f, 2f, MathF.PI / 2, 2, 2, planes);
        // Output (0, 0): offset (-0.5, -0.5) in the face's frame -> image (2.5 + 0.5, 1.5 - 0.5) = (3, 1): B = 31.
        // Output (1, 0) -> (3, 2): 32; output (0, 1) -> (2, 1): 21; output (1, 1) -> (2, 2): 22.
        Assert.That(planes.AsSpan(0, 4).ToArray(), Is.EqualTo(new[] { 31f, 32f, 21f, 22f }).Within(1e-3));
        // Half a pixel past the image's corner: only the inside neighbours count, with their bilinear weights.
        DetectorInput.LevelledBgrPlanes(new ImagePixels(pixels, w, h, PixelFormat.Bgr24), -0.5f, -0.5f, 1f, 0f, 1, 1, planes.AsSpan(0, 3));
        Assert.That(planes[0], Is.EqualTo(0.25f * 0f).Within(1e-4), "B of (0, 0) is 0 and the rest lies outside");
        Assert.That(planes[1], Is.EqualTo(0.25f * 100f).Within(1e-4), "a quarter of G(0, 0) = 100");
    }

    [Test]
    public void Halving_gives_the_mean_of_each_two_by_two_block_and_equals_resizing_the_image_itself()
    {
        // Exactly half the size: the anti-aliased triangle filter's four taps per axis weigh 1/8, 3/8, 3/8, 1/8 around
        // source position 2o + 0.5; a tap outside the image is cut and the rest renormalized (3/7, 3/7, 1/7 at the edge).
        // Across, output column 1 is interior: the gradient at x = 2.5. Down, both output rows touch an edge: row 0
        // reads rows 0, 1, 2 as 3/7, 3/7, 1/7 (y = 5/7), row 1 rows 1, 2, 3 as 1/7, 3/7, 3/7 (y = 16/7).
        var pixels = Gradient(out int w, out int h);
        var image = new ImagePixels(pixels, w, h, PixelFormat.Bgr24);
        var full = new float[3 * w * h];
        DetectorInput.BgrPlanes(image, new PixelRect(0, 0, w, h), w, h, w, h, full);
        // From the full-size planes, into planes padded to 4 x 4.
        var half = new float[3 * 4 * 4];
        DetectorInput.Resize(full, w, h, w, w * h, 3, 2, 4, 4, half);
        Assert.That(half[1], Is.EqualTo(10 * 2.5 + 5.0 / 7).Within(1e-4), "B of (1, 0)");
        Assert.That(half[16 + 1], Is.EqualTo(100 + 2.5).Within(1e-4), "G of (1, 0)");
        Assert.That(half[32 + 4 + 1], Is.EqualTo(200 + 16.0 / 7).Within(1e-4), "R of (1, 1)");
        Assert.That(new[] { half[3], half[12], half[16 + 15] }, Is.All.Zero, "padding stays zero");
        // The image resized directly (what the detector did before it reused its first planes): the same values.
        var direct = new float[3 * 4 * 4];
        DetectorInput.BgrPlanes(image, new PixelRect(0, 0, w, h), 3, 2, 4, 4, direct);
        Assert.That(half, Is.EqualTo(direct).Within(1e-4));
    }
}
