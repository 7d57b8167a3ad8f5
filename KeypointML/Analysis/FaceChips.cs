using KeypointML.Engine;

namespace KeypointML.Analysis;

/// <summary>Where a chip puts five points of the face: the eye centres (the subject's right eye first, as it appears on the
/// image's left), the nose tip and the mouth corners (image left first), in chip pixels, for a chip of <see cref="Size"/>.</summary>
public sealed record FaceChipTemplate(int Size, float[] Points)
{
    /// <summary>InsightFace's ArcFace template for 112 x 112 chips (<c>arcface_src</c> in insightface's
    /// <c>utils/face_align.py</c>; OpenCV's <c>FaceRecognizerSF.alignCrop</c> uses the same): what face recognition models
    /// trained on MS1M/Glint expect.</summary>
    public static FaceChipTemplate ArcFace112 { get; } = new(112,
        [38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f, 71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f]);

    /// <summary>The template for a chip of another size, scaled with it.</summary>
    public FaceChipTemplate Resized(int size) => new(size, [.. Points.Select(p => p * size / Size)]) { Landmarks = Landmarks };

    /// <summary>Which of the 68 points <see cref="Points"/> places, in order; null = the five template points (eye centres,
    /// nose tip, mouth corners; <see cref="FaceChips.FivePoints"/>).</summary>
    public int[]? Landmarks { get; init; }

    /// <summary>A dlib-style chip (as dlib's <c>get_face_chip_details</c>): all points but the jaw (17-67) fitted to the mean
    /// face of the 300-W training faces, which spans the chip less <paramref name="padding"/> of its side on each side
    /// (dlib's defaults: 150 pixels, padding 0.25). The mean shape: <c>scripts/measure/mean_shape.py</c>.</summary>
    public static FaceChipTemplate DlibStyle(int size = 150, float padding = 0.25f)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "A chip is at least 8 pixels.");
        if (!(padding >= 0)) throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding must not be negative.");
        return new(size, [.. MeanFace.Select(v => (v + padding) / (1 + 2 * padding) * size - 0.5f)]) { Landmarks = [.. Enumerable.Range(17, 51)] };
    }

    // The mean of points 17-67 over the 1220 training faces (generalized Procrustes), in [0, 1] on the longer axis, centred.
    private static readonly float[] MeanFace = [0.0000f, 0.1362f, 0.0799f, 0.0675f, 0.1898f, 0.0492f, 0.3027f, 0.0681f, 0.4044f, 0.1125f, 0.6015f, 0.1127f, 0.7121f, 0.0782f, 0.8248f, 0.0698f, 0.9310f, 0.0993f, 1.0000f, 0.1729f, 0.5016f, 0.2424f, 0.4978f, 0.3460f, 0.4947f, 0.4476f, 0.4920f, 0.5527f, 0.3563f, 0.6237f, 0.4200f, 0.6482f, 0.4859f, 0.6681f, 0.5523f, 0.6526f, 0.6118f, 0.6348f, 0.1214f, 0.2480f, 0.1926f, 0.2124f, 0.2736f, 0.2177f, 0.3400f, 0.2708f, 0.2683f, 0.2810f, 0.1867f, 0.2781f, 0.6526f, 0.2813f, 0.7285f, 0.2308f, 0.8085f, 0.2348f, 0.8727f, 0.2743f, 0.8113f, 0.2985f, 0.7314f, 0.2974f, 0.2398f, 0.8138f, 0.3317f, 0.7787f, 0.4219f, 0.7641f, 0.4780f, 0.7814f, 0.5423f, 0.7691f, 0.6317f, 0.7921f, 0.7155f, 0.8294f, 0.6292f, 0.9115f, 0.5410f, 0.9462f, 0.4728f, 0.9508f, 0.4104f, 0.9421f, 0.3238f, 0.9020f, 0.2762f, 0.8187f, 0.4192f, 0.8152f, 0.4767f, 0.8237f, 0.5412f, 0.8194f, 0.6797f, 0.8327f, 0.5401f, 0.8679f, 0.4748f, 0.8737f, 0.4160f, 0.8647f];
}

/// <summary>An aligned face: the pixels (in the source's format, packed rows) and the transform from image to chip.</summary>
public sealed record FaceChip(int Size, PixelFormat Format, byte[] Pixels, SimilarityTransform ImageToChip)
{
    /// <summary>The chip as engine input (e.g. to search it again).</summary>
    public ImagePixels AsPixels() => new(Pixels, Size, Size, Format);
}

/// <summary>
/// Aligned face chips from 68 points: the five template points (eye centres = means of points 36-41 and 42-47, nose tip
/// 30, mouth corners 48 and 54) fitted by a similarity (<see cref="SimilarityTransform.Fit"/>) onto the template, then the
/// image warped with bilinear sampling. Chip pixels that fall outside the image are black (0; alpha 0 for 32-bit
/// formats). A face larger than twice the chip is averaged over several samples per chip pixel, so it does not alias.
/// </summary>
public static class FaceChips
{
    /// <summary>The five template points of a face's 68 points: eye centres, nose tip, mouth corners (x, y pairs).</summary>
    public static float[] FivePoints(ReadOnlySpan<float> points68)
    {
        if (points68.Length != 136) throw new ArgumentException($"Face chips need the 68 iBUG points (136 values); got {points68.Length}.");
        float Mean(ReadOnlySpan<float> p, int from, int axis)
        {
            float s = 0;
            for (int k = from; k < from + 6; k++) s += p[2 * k + axis];
            return s / 6;
        }
        return [Mean(points68, 36, 0), Mean(points68, 36, 1), Mean(points68, 42, 0), Mean(points68, 42, 1),
            points68[60], points68[61], points68[96], points68[97], points68[108], points68[109]];
    }

    /// <summary>The similarity from the image to the chip: the face's template points fitted onto <paramref name="template"/>'s.</summary>
    public static SimilarityTransform Alignment(ReadOnlySpan<float> points68, FaceChipTemplate template) =>
        SimilarityTransform.Fit(TemplatePoints(points68, template), template.Points);

    /// <summary>The face's points that <paramref name="template"/> places, in its order.</summary>
    public static float[] TemplatePoints(ReadOnlySpan<float> points68, FaceChipTemplate template)
    {
        if (template.Landmarks is not { } indices) return FivePoints(points68);
        if (points68.Length != 136) throw new ArgumentException($"Face chips need the 68 iBUG points (136 values); got {points68.Length}.");
        var result = new float[2 * indices.Length];
        for (int i = 0; i < indices.Length; i++) { result[2 * i] = points68[2 * indices[i]]; result[2 * i + 1] = points68[2 * indices[i] + 1]; }
        return result;
    }

    /// <summary>The chip of the face with points <paramref name="points68"/> in <paramref name="image"/>; default template
    /// <see cref="FaceChipTemplate.ArcFace112"/>.</summary>
    public static FaceChip Extract(ImagePixels image, ReadOnlySpan<float> points68, FaceChipTemplate? template = null)
    {
        template ??= FaceChipTemplate.ArcFace112;
        var toChip = Alignment(points68, template);
        var toImage = toChip.Inverse();
        int size = template.Size, bpp = image.BytesPerPixel;
        var pixels = new byte[size * size * bpp];
        // Image pixels per chip pixel: above 2, several samples per chip pixel (a box of s x s) against aliasing.
        int samples = Math.Clamp((int)MathF.Ceiling(toImage.Scale / 2), 1, 4);
        Span<float> sum = stackalloc float[4];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                sum.Clear();
                for (int sy = 0; sy < samples; sy++)
                    for (int sx = 0; sx < samples; sx++)
                    {
                        float cx = x - 0.5f + (sx + 0.5f) / samples, cy = y - 0.5f + (sy + 0.5f) / samples;
                        var (ix, iy) = toImage.Apply(cx, cy);
                        PixelSampling.AddBilinear(image, ix, iy, sum);
                    }
                int o = (y * size + x) * bpp;
                for (int c = 0; c < bpp; c++) pixels[o + c] = (byte)Math.Clamp(MathF.Round(sum[c] / (samples * samples)), 0, 255);
            }
        return new FaceChip(size, image.Format, pixels, toChip);
    }
}
