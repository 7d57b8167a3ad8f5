using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Engine;

/// <summary>The ML.NET photo pipeline behind yunet (DetectFaces -> ExpandFaces -> DetectKeypoints, all at their defaults:
/// ExpandFaces picks yunet's box map from its five points per face) gives the engine's points on upright faces.</summary>
public class MlNetPhotoPipelineTests
{
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    [Test]
    public void DetectFaces_ExpandFaces_DetectKeypoints_behind_yunet_give_the_engines_points()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var photos = new[] { "01-1m", "02-2m", "05-1m", "40-6m" }.Select(DataFixtures.ImmJpg).ToList();
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        using var landmarks = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(photos.Select(p => new PathRow { ImagePath = p }));
        var faces = ml.Transforms.DetectFaces(new FaceDetectingOptions { Detector = detector }).Fit(data).Transform(data);
        var perFace = ml.Transforms.ExpandFaces().Fit(faces).Transform(faces);
        var scored = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { Model = landmarks, BoxColumnName = KeypointColumns.Box }).Fit(perFace).Transform(perFace);
        var points = LibraryPipeline.Column(scored, KeypointColumns.Keypoints);
        var detectorPoints = LibraryPipeline.Column(scored, KeypointColumns.FaceKeypoints);
        Assert.That(points, Has.Count.EqualTo(photos.Count));
        Assert.That(detectorPoints.All(p => p.Length == 10), Is.True, "yunet's five points per face");
        var engine = new FaceLandmarker(detector, landmarks);
        for (int i = 0; i < photos.Count; i++)
            Assert.That(points[i], Is.EqualTo(engine.Find(photos[i]).Single().Keypoints).Within(1e-4), photos[i]);
    }
}
