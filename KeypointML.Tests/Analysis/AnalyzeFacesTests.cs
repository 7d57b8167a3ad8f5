using KeypointML.Analysis;
using KeypointML.Data;
using KeypointML.Transforms;
using KeypointML.Tests.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Analysis;

/// <summary>AnalyzeFaces in an ML.NET pipeline: the columns equal HeadPose and FaceOpenness of the same points, and the
/// pipeline saves and loads.</summary>
public class AnalyzeFacesTests
{
    [Test]
    public void Pose_and_openness_columns_follow_the_points_and_survive_save_and_load()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Data, 3);
        var pipeline = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("ibug68-fast"), boxColumnName: KeypointColumns.Box)
            .Append(ml.Transforms.AnalyzeFaces());
        using var fitted = pipeline.Fit(data);
        var scored = fitted.Transform(data);
        var points = LibraryPipeline.Column(scored, KeypointColumns.Keypoints);
        var sizes = LibraryPipeline.Column(scored, KeypointColumns.ImageSize);
        var yaw = scored.GetColumn<float>("Yaw").ToList();
        var roll = scored.GetColumn<float>("Roll").ToList();
        var mouth = scored.GetColumn<float>("Mouth").ToList();
        for (int i = 0; i < points.Count; i++)
        {
            var pose = HeadPose.Of(points[i], (int)sizes[i][0], (int)sizes[i][1]);
            Assert.That(yaw[i], Is.EqualTo(pose.Yaw));
            Assert.That(roll[i], Is.EqualTo(pose.Roll));
            Assert.That(mouth[i], Is.EqualTo(FaceOpenness.Of(points[i]).Mouth));
        }
        Assert.That(LibraryPipeline.ColumnAfterSaveAndLoad<float>(ml, fitted, data, "Yaw"), Is.EqualTo(yaw).Within(1e-3));
    }
}
