using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Codecs;

/// <summary>Test-time flip averaging: the mirror's points come back flipped and swapped, then averaged.</summary>
public class FlipAveragingTests
{
    [Test]
    public void Decode_FlipsTheMirrorsPointsBack_SwapsSides_AndAverages()
    {
        // Two points that mirror each other (map 0 <-> 1). The face's own output says (0.2, 0.3), (0.7, 0.4); the mirror
        // image's output, whose point 1 is the face's point 0, says (0.31, 0.42), (0.82, 0.28).
        var codec = new FlipAveragingCodec(new CoordinateCodec(2), [1, 0]);
        Assert.That(codec.OutputShape, Is.EqualTo(new[] { 2, 4 }));
        var keypoints = new float[4];
        var confidence = new float[2];
        codec.Decode([0.2f, 0.3f, 0.7f, 0.4f, 0.31f, 0.42f, 0.82f, 0.28f], keypoints, confidence);
        Assert.That(keypoints, Is.EqualTo(new[] { (0.2f + 1 - 0.82f) / 2, (0.3f + 0.28f) / 2, (0.7f + 1 - 0.31f) / 2, (0.4f + 0.42f) / 2 }).Within(1e-6f));
    }

    [Test]
    public void DetectKeypoints_WithFlipAveraging_MovesThePoints_AndNeedsAMirrorMap()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(seed: 0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Data, 4);
        using var model = KeypointModel.Open(RepositoryFiles.Model("ibug68-heatmap"));
        var plain = ml.EvaluateKeypoints(ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { Model = model, BoxColumnName = "Box" }).Fit(data).Transform(data));
        var flipped = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { Model = model, BoxColumnName = "Box", FlipAveraging = true }).Fit(data);
        var averaged = ml.EvaluateKeypoints(flipped.Transform(data));
        Assert.That(averaged.Count, Is.EqualTo(4));
        Assert.That(averaged.MeanPixelError, Is.Not.EqualTo(plain.MeanPixelError).Within(1e-3), "the mirror's points enter the average");
        Assert.That(averaged.NmeInterOcular, Is.LessThan(0.05));
        Assert.Throws<NotSupportedException>(() => ml.Model.Save(flipped, data.Schema, Path.Combine(Path.GetTempPath(), $"kpml-{Guid.NewGuid():N}.zip")));

        using var imm = KeypointModel.Open(RepositoryFiles.Model("imm-face58"));
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { Model = imm, FlipAveraging = true }));
        Assert.That(e!.Message, Does.Contain("68-point"));
    }
}
