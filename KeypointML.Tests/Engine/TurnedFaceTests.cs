using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;
using KeypointML.Tests.Data;
using Microsoft.ML;

namespace KeypointML.Tests.Engine;

/// <summary>Crops that follow the head's roll: the geometry by hand, the sampler against an exactly turned image, a photo
/// turned by a quarter found with its points, and upright crops equal to the ML.NET components' own.</summary>
public class TurnedFaceTests
{
    private static KeypointML.Preprocessing.FacePreprocessing Square64 => new() { InputHeight = 64, InputWidth = 64, CropScale = 1, CropSquare = true };

    [Test]
    public void A_turned_crop_maps_its_corners_as_computed_by_hand()
    {
        var crop = RegionCrop.Of(new FaceRegion(100, 50, 40, 40, MathF.PI / 2), Square64);
        Assert.That(crop.IsTurned, Is.True);
        Assert.That(crop.Side, Is.EqualTo(40f));
        // The crop's right edge, halfway down, lies 20 px along the face's x axis, which points down the image.
        var (x, y) = crop.ToImage(1f, 0.5f);
        Assert.That(x, Is.EqualTo(100f).Within(1e-4));
        Assert.That(y, Is.EqualTo(70f).Within(1e-4));
        // Top left corner: (-20, -20) in the face's frame -> (100 + 20, 50 - 20).
        (x, y) = crop.ToImage(0f, 0f);
        Assert.That((x, y), Is.EqualTo((120f, 30f)).Using<(float, float)>((a, b) => MathF.Abs(a.Item1 - b.Item1) < 1e-4 && MathF.Abs(a.Item2 - b.Item2) < 1e-4));
        var (nx, ny) = crop.ToNormalized(x, y);
        Assert.That(nx, Is.EqualTo(0f).Within(1e-5));
        Assert.That(ny, Is.EqualTo(0f).Within(1e-5));
    }

    [Test]
    public void An_upright_region_is_the_components_axis_aligned_crop()
    {
        float[] box = [40.3f, 22.7f, 101.4f, 98.2f];
        var pre = new KeypointML.Preprocessing.FacePreprocessing { InputHeight = 64, InputWidth = 64, CropScale = 1.3f, CropSquare = true };
        var crop = RegionCrop.Of(FaceRegion.FromBox(box), pre);
        Assert.That(crop.IsTurned, Is.False);
        Assert.That(crop.Upright, Is.EqualTo(pre.CropOf(box)));
        Assert.That(FaceRegion.FromBox(box).UprightBox(), Is.EqualTo(box).Within(1e-4));
    }

    [Test]
    public void A_crop_turned_a_quarter_samples_what_the_upright_crop_of_the_turned_image_holds()
    {
        // A smooth synthetic picture, and the same picture turned a quarter clockwise, pixel for pixel.
        const int w = 120, h = 90;
        var picture = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) picture[y * w + x] = (byte)(127 + 60 * MathF.Sin(x / 9f) + 50 * MathF.Cos(y / 7f));
        var turned = new byte[w * h];   // h wide, w high
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) turned[x * h + (h - 1 - y)] = picture[y * w + x];
        var pre = Square64;
        var expected = new float[64 * 64];
        var actual = new float[64 * 64];
        // In the turned image an upright square centred at (44.5, 59.5) of side 48; in the picture the same square is
        // centred at (59.5, 44.5) and turned by -90 degrees (the face's x axis points up the picture).
        RegionSampler.Sample(new FaceTensorSampler.SourcePixels(turned, h, w, h, PixelFormat.Gray8), RegionCrop.Of(new FaceRegion(44.5f, 59.5f, 48, 48, 0), pre), 0, 64, 64, expected);
        RegionSampler.Sample(new FaceTensorSampler.SourcePixels(picture, w, h, w, PixelFormat.Gray8), RegionCrop.Of(new FaceRegion(59.5f, 44.5f, 48, 48, -MathF.PI / 2), pre), 0, 64, 64, actual);
        double mean = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Average();
        Assert.That(mean, Is.LessThan(0.01), "mean difference in normalized grey levels (1 = black to white)");
    }

    [Test]
    public void A_photo_turned_a_quarter_gives_the_upright_photos_points_turned_with_it()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var landmarker = FaceLandmarker.Open(RepositoryFiles.Model("ibug68-fast"), RepositoryFiles.Model("yunet"));
        using var pixels = ImageFileReader.ReadPixels(DataFixtures.ImmJpg("02-1m"), static (_, _) => 1);
        int w = pixels.Width, h = pixels.Height;
        var upright = landmarker.Find(pixels.Image).Single();
        // Turned a quarter clockwise: pixel (x, y) goes to (h - 1 - y, x) of an h x w image.
        var src = pixels.Span;
        var turned = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) src.Slice((y * w + x) * 4, 4).CopyTo(turned.AsSpan((x * h + (h - 1 - y)) * 4));
        var found = landmarker.Find(new ImagePixels(turned, h, w, PixelFormat.Bgra32)).Single();
        Assert.That(found.Region.Roll * 180 / MathF.PI, Is.EqualTo(90).Within(15), "the head now rolls a quarter clockwise");
        // The turned photo's points, turned back, against the upright photo's, in % of the eye-corner distance.
        var p = upright.Keypoints;
        float iod = MathF.Sqrt(MathF.Pow(p[72] - p[90], 2) + MathF.Pow(p[73] - p[91], 2));
        double error = 0;
        for (int k = 0; k < 68; k++)
        {
            float x = found.Keypoints[2 * k + 1], y = h - 1 - found.Keypoints[2 * k];
            error += MathF.Sqrt(MathF.Pow(x - p[2 * k], 2) + MathF.Pow(y - p[2 * k + 1], 2));
        }
        Assert.That(error / 68 / iod * 100, Is.LessThan(3.0), "mean distance between the two photos' points, % of the inter-ocular distance");
    }

    [Test]
    public void The_engine_scores_a_box_exactly_as_DetectKeypoints_does()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Data, 4);
        var rows = KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Rows.Take(4).ToList();
        var model = RepositoryFiles.Model("ibug68-fast");
        var expected = LibraryPipeline.Column(LibraryPipeline.Score(ml, model, data), KeypointColumns.Keypoints);
        using var landmarks = KeypointModel.Open(model);
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        var engine = new FaceEngine(detector, landmarks);
        for (int i = 0; i < rows.Count; i++)
        {
            using var pixels = ImageFileReader.ReadPixels(rows[i].ImagePath, static (_, _) => 1);
            var points = engine.Points(pixels.Image, [FaceRegion.FromBox(rows[i].Box)]).Single().Keypoints;
            Assert.That(points, Is.EqualTo(expected[i]), $"face {i}");
        }
    }
}
