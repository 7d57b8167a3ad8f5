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
