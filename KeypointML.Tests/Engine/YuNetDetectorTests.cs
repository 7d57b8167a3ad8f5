using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Engine;

/// <summary>The photo detector: every IMM face found with its box on the face and its eyes where the labels put them,
/// nothing on photos without faces, a smaller working scale for a larger MinFaceSize.</summary>
public class YuNetDetectorTests
{
    [Test]
    public void Finds_the_face_of_every_IMM_photo_with_its_eyes_on_the_labelled_eyes()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        var samples = ImmFaceDatabase.Read(KeypointDataPaths.Imm).Take(24).ToList();
        foreach (var s in samples)
        {
            using var pixels = ImageFileReader.ReadPixels(s.ImagePath, static (_, _) => 1);
            var faces = detector.Detect(pixels.Image);
            Assert.That(faces, Has.Count.EqualTo(1), s.ImagePath);
            var face = faces[0];
            Assert.That(face.Score, Is.GreaterThanOrEqualTo(FaceDetectionDefaults.YuNetScoreThreshold));
            var truth = KeypointBoxes.Of(s.Keypoints);
            Assert.That(KeypointBoxes.Iou(face.Box, truth), Is.GreaterThan(0.5), s.ImagePath);
            // The subject's right eye is on the image's left, and the roll of an upright sitter is small.
            Assert.That(face.Keypoints[0], Is.LessThan(face.Keypoints[2]));
            Assert.That(MathF.Abs(DetectionRegions.RollOf(face)) * 180 / MathF.PI, Is.LessThan(15), s.ImagePath);
        }
    }

    [Test]
    public void Finds_no_face_on_the_face_free_photos()
    {
        if (FaceFreePhotos.Folder() is not { } folder) { Assert.Ignore(FaceFreePhotos.Hint); return; }
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        foreach (var file in FaceFreePhotos.Files)
        {
            using var pixels = ImageFileReader.ReadPixels(Path.Combine(folder, file), static (_, _) => 1);
            Assert.That(detector.Detect(pixels.Image), Is.Empty, file);
        }
    }

    [TestCase(10f, 1f)]
    [TestCase(40f, 0.25f)]
    [TestCase(5f, 2f)]
    [TestCase(1f, 4f)]
    public void MinFaceSize_sets_the_working_scale(float minFace, float scale) =>
        Assert.That(YuNetDetector.WorkingScale(new FaceDetectionOptions { MinFaceSize = minFace }), Is.EqualTo(scale));

    [Test]
    public void A_file_that_is_not_YuNet_is_refused_with_its_name()
    {
        Assert.That(YuNetDetector.IsYuNet(RepositoryFiles.Model("blazeface-front")), Is.False);
        Assert.That(() => YuNetDetector.Open(RepositoryFiles.Model("blazeface-front")), Throws.TypeOf<InvalidDataException>().With.Message.Contains("blazeface-front.onnx"));
        Assert.That(FaceDetectors.Open(RepositoryFiles.Model("yunet")), Is.TypeOf<YuNetDetector>());
    }
}

/// <summary>The extra searches (half scale upright and turned, quarter scale) run when the first search leaves doubt.</summary>
public class ExtraSearchesTests
{
    private static IReadOnlyList<DetectedFace> Detect(YuNetDetector detector, ImagePixels image, ExtraSearches policy) =>
        detector.Detect(image, new FaceDetectionOptions { ExtraSearches = policy });

    // Never gives no roll hypotheses (only extra searches have more than one to give); the faces themselves are compared.
    private static object Faces(IReadOnlyList<DetectedFace> faces) => faces.Select(f => (f.Box, f.Score, f.Keypoints)).ToList();

    [Test]
    public void A_photo_the_first_search_is_sure_of_gets_no_extra_search_and_a_turned_one_gets_them()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        using var pixels = ImageFileReader.ReadPixels(DataFixtures.ImmJpg("02-1m"), static (_, _) => 1);
        var sure = Detect(detector, pixels.Image, ExtraSearches.Never);
        Assert.That(sure.Single().Score, Is.GreaterThanOrEqualTo(FaceDetectionDefaults.SureScore), "the upright photo's face, found sure and upright");
        Assert.That(Faces(Detect(detector, pixels.Image, ExtraSearches.WhenUnsure)), Is.EqualTo(Faces(sure)), "upright and sure: the first search alone");

        // The same photo turned a quarter clockwise: YuNet upright takes the head for an upright one scored under 0.9,
        // or misses it; the extra searches run and give the quarter-turned roll.
        int w = pixels.Width, h = pixels.Height;
        var src = pixels.Span;
        var turned = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) src.Slice((y * w + x) * 4, 4).CopyTo(turned.AsSpan((x * h + (h - 1 - y)) * 4));
        var image = new ImagePixels(turned, h, w, PixelFormat.Bgra32);
        var unsure = Detect(detector, image, ExtraSearches.WhenUnsure);
        Assert.That(Faces(unsure), Is.EqualTo(Faces(Detect(detector, image, ExtraSearches.Always))), "in doubt: every search");
        Assert.That(unsure.Single().RollHypotheses.Select(r => r * 180 / MathF.PI), Has.Some.EqualTo(90).Within(20));
    }
}

/// <summary>The shipped <c>models/yunet.onnx</c> is the published file with metadata added: it must detect exactly as the
/// published one does.</summary>
public class ShippedYuNetTests
{
    [Test]
    public void The_shipped_file_finds_exactly_what_the_published_file_finds()
    {
        if (KeypointDataPaths.TryFindRoot() is not { } data) { Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA)."); return; }
        var published = Path.Combine(data, "..", "models", "yunet", "yunet_s_dynamic.onnx");
        if (!File.Exists(published)) Assert.Ignore($"{published} not found (../shared/models/yunet).");
        using var shipped = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        using var original = YuNetDetector.Open(published);
        foreach (var name in new[] { "01-1m", "07-4m", "33-6m" })
        {
            using var pixels = ImageFileReader.ReadPixels(DataFixtures.ImmJpg(name), static (_, _) => 1);
            var a = shipped.Detect(pixels.Image);
            var b = original.Detect(pixels.Image);
            Assert.That(a.Select(f => (f.Box, f.Score, f.Keypoints)), Is.EqualTo(b.Select(f => (f.Box, f.Score, f.Keypoints))), name);
        }
    }
}
