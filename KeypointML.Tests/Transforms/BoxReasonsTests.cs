using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>A face box that cannot stand for a face is refused with a reason naming the image and the box, instead of
/// points at x = 5000, a 1x1 crop, or gigabytes of crop.</summary>
public class BoxReasonsTests
{
    private sealed class BoxRow
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }

    private static string Failure(string image, float[] box)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new BoxRow { ImagePath = image, Box = box } });
        var scored = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("imm-nose"), boxColumnName: "Box").Fit(data).Transform(data);
        // The row is marked (the default policy): its reason in the Error column, NaN points.
        var points = scored.GetColumn<float[]>(KeypointColumns.Keypoints).Single();
        Assert.That(points.All(float.IsNaN), Is.True);
        return scored.GetColumn<string>(KeypointColumns.Error).Single();
    }

    [Test]
    public void BadBoxes_EachHaveTheirReason_AndAnEdgeCrossingBoxIsScored()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var image = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmValidation).Rows.First().ImagePath;   // 640x480
        Assert.Multiple(() =>
        {
            Assert.That(Failure(image, [float.NaN, 10, 100, 100]), Does.Contain("is not finite").And.Contain(Path.GetFileName(image)));
            Assert.That(Failure(image, [10, 10, float.PositiveInfinity, 100]), Does.Contain("is not finite"));
            Assert.That(Failure(image, [10, 10, 0.01f, 0.01f]), Does.Contain("smaller than one pixel"));
            Assert.That(Failure(image, [5000, 5000, 100, 100]), Does.Contain("lies mostly outside the image").And.Contain("of it inside"));
            Assert.That(Failure(image, [0, 0, 1e6f, 1e6f]), Does.Contain("far larger than the image"));
        });
        // A detector box crossing the image's edge (half of it outside) is still a face.
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new BoxRow { ImagePath = image, Box = [540, 100, 200, 200] } });
        var points = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("imm-nose"), boxColumnName: "Box").Fit(data).Transform(data)
            .GetColumn<float[]>(KeypointColumns.Keypoints).Single();
        Assert.That(points.All(float.IsFinite), Is.True);
    }
}
