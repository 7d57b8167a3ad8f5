using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace KeypointML.Tests.Transforms;

/// <summary>A phone photo stored sideways with EXIF Orientation 6 is scored as displayed: the same size and the same
/// points as the physically upright image.</summary>
public class ExifOrientationTests
{
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    [Test]
    public void Orientation6_GivesTheDisplayedSize_AndThePointsOfTheUprightImage()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var folder = new TempFolder();
        var source = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmValidation).Rows.First().ImagePath;
        using var upright = SKBitmap.Decode(source);
        int w = upright.Width, h = upright.Height;
        // Stored as the sensor saw it: the upright image turned 90 degrees counter-clockwise (h wide, w high); EXIF 6 says
        // "turn 90 degrees clockwise to display".
        using var stored = new SKBitmap(h, w);
        for (int sy = 0; sy < w; sy++)
            for (int sx = 0; sx < h; sx++)
                stored.SetPixel(sx, sy, upright.GetPixel(w - 1 - sy, sx));
        string uprightPath = Path.Combine(folder.Path, "upright.jpg"), phonePath = Path.Combine(folder.Path, "phone.jpg");
        File.WriteAllBytes(uprightPath, Jpeg(upright));
        File.WriteAllBytes(phonePath, WithOrientation(Jpeg(stored), 6));

        Assert.That(ImageHeader.ReadSize(phonePath, phonePath), Is.EqualTo((w, h)), "the header gives the displayed size");
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = uprightPath }, new PathRow { ImagePath = phonePath } });
        var scored = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("imm-face58")).Fit(data).Transform(data);
        var sizes = scored.GetColumn<float[]>(KeypointColumns.ImageSize).ToList();
        var points = scored.GetColumn<float[]>(KeypointColumns.Keypoints).ToList();
        Assert.That(sizes[1], Is.EqualTo(new float[] { w, h }), "ImageSize is the displayed size");
        double worst = points[0].Zip(points[1], (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"largest coordinate difference upright vs EXIF-6: {worst:F3} px");
        Assert.That(worst, Is.LessThan(0.5), "the EXIF-6 photo's points equal the upright image's (JPEG re-encoding aside)");
    }

    private static byte[] Jpeg(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 100);
        return data.ToArray();
    }

    // An APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) right after the JPEG's SOI marker.
    private static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }
}
