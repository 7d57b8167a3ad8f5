using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Engine;

/// <summary>The engine sends faces narrower than <see cref="FaceEngineOptions.SmallFaceWidth"/> to the small-face model and
/// the others to the landmark model, each scored exactly as an engine over that model alone scores it.</summary>
public class SmallFaceRoutingTests
{
    private static string Photo()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        return DataFixtures.ImmJpg("01-1m");
    }

    [Test]
    public void Each_face_is_scored_by_the_model_of_its_size_exactly_as_that_model_alone_scores_it()
    {
        using var pixels = ImageFileReader.ReadPixels(Photo(), static (_, _) => 1);
        using var detector = FaceDetectors.Open(RepositoryFiles.Model("yunet"));
        using var large = KeypointModel.Open(RepositoryFiles.Model("ibug68-heatmap-int8"));
        using var small = KeypointModel.Open(RepositoryFiles.Model("ibug68-small"));
        // The photo's face, and the same place boxed at half the size: two regions either side of the width between them.
        var face = new FaceEngine(detector, null).Run(pixels.Image).Single().Region;
        var half = face with { Width = face.Width / 2, Height = face.Height / 2 };
        float between = face.Width * 0.75f;
        var routed = new FaceEngine(large, new FaceEngineOptions { SmallFaceWidth = between }, small);

        var points = routed.Points(pixels.Image, [face, half]);

        Assert.That(routed.IsSmall(face), Is.False);
        Assert.That(routed.IsSmall(half), Is.True);
        Assert.That(points[0].Keypoints, Is.EqualTo(new FaceEngine(large).Points(pixels.Image, [face])[0].Keypoints), "the large face: the landmark model's points");
        Assert.That(points[1].Keypoints, Is.EqualTo(new FaceEngine(small).Points(pixels.Image, [half])[0].Keypoints), "the small face: the small-face model's points");
        Assert.That(points[1].Keypoints, Is.Not.EqualTo(new FaceEngine(large).Points(pixels.Image, [half])[0].Keypoints), "the two models differ on it");
        Assert.That(points.Select(p => p.Region), Is.EqualTo(new[] { face, half }), "results in the regions' order");
    }

    [Test]
    public void Without_a_small_face_model_no_face_is_small()
    {
        using var large = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        var engine = new FaceEngine(large, new FaceEngineOptions { SmallFaceWidth = 1000 });
        Assert.That(engine.IsSmall(new FaceRegion(50, 50, 20, 20, 0)), Is.False);
        Assert.That(engine.SmallFaceLandmarks, Is.Null);
    }

    [Test]
    public void A_small_face_model_of_other_points_is_refused_naming_both_counts()
    {
        using var large = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        using var other = KeypointModel.Open(RepositoryFiles.Model("imm-face58"));
        var e = Assert.Throws<ArgumentException>(() => new FaceEngine(large, null, other));
        Assert.That(e!.Message, Does.Contain("58 points").And.Contain("68"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceEngine(large, new FaceEngineOptions { SmallFaceWidth = float.NaN }, large));
    }

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void Open_routes_small_faces_of_68_point_models_to_the_shipped_small_face_model() => RepositoryFiles.WithRepositoryModels(() =>
    {
        using (var landmarker = FaceLandmarker.Open())
        {
            Assert.That(landmarker.SmallFaceLandmarks, Is.Not.Null);
            Assert.That(landmarker.SmallFaceLandmarks!.Metadata.KeypointCount, Is.EqualTo(68));
            Assert.That(landmarker.Engine.SmallFaceLandmarks, Is.SameAs(landmarker.SmallFaceLandmarks));
            Assert.That(landmarker.Engine.Options.SmallFaceWidth, Is.EqualTo(FaceEngineDefaults.SmallFaceWidth));
        }
        using (var none = FaceLandmarker.Open(smallFaces: null))
            Assert.That(none.SmallFaceLandmarks, Is.Null);
        using (var imm = FaceLandmarker.Open("imm-face58"))
            Assert.That(imm.SmallFaceLandmarks, Is.Null, "no small-face model of 58 points is shipped");
        var e = Assert.Throws<FileNotFoundException>(() => FaceLandmarker.Open(smallFaces: "no-such-model"));
        Assert.That(e!.Message, Does.Contain("no-such-model"));
        return 0;
    });

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void Open_leaves_the_default_small_face_model_out_when_no_package_provides_it()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { "ibug68-fast", "yunet" })
            File.Copy(RepositoryFiles.Model(name), Path.Combine(folder.Path, name + ".onnx"));
        var small = RepositoryFiles.WithModelsFolder(folder.Path, () =>
        {
            using var landmarker = FaceLandmarker.Open("ibug68-fast");
            return landmarker.SmallFaceLandmarks;
        });
        Assert.That(small, Is.Null);
    }
}
