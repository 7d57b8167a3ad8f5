using KeypointML.Tests.Data;
using KeypointML.Tooling.Report;

namespace KeypointML.Tests.Report;

/// <summary>The report's photo-detection scoring against counts made by hand (the rules of score_faces.py).</summary>
public class DetectionMeasurementTests
{
    [Test]
    public void Recall_by_width_one_to_one_matching_invalid_faces_and_false_detections_as_score_faces_counts_them()
    {
        using var folder = new TempFolder();
        var labels = folder.WriteLines("labels.txt",
        [
            "a/one.jpg", "3",
            "10 10 30 30 0 0 0 0 0 0",     // 30 px: found by the first detection
            "100 10 50 50 0 0 0 0 0 0",    // 50 px: the second detection overlaps it only at IoU 0.2 -> missed
            "300 10 15 15 0 0 0 1 0 0",    // invalid: not counted, but a detection on it is not false
            "b/two.jpg", "0",
            "0 0 0 0 0 0 0 0 0 0",
        ]);
        var truth = DetectionMeasurement.ReadLabels(labels);
        Assert.That(truth["a/one.jpg"], Has.Count.EqualTo(3));
        Assert.That(truth["b/two.jpg"], Is.Empty);
        var detections = new Dictionary<string, List<float[]>>
        {
            ["a/one.jpg"] = [[11, 11, 30, 30], [100, 10, 10, 50], [301, 10, 15, 15], [500, 500, 20, 20]],
            ["b/two.jpg"] = [[5, 5, 10, 10]],
        };
        var r = DetectionMeasurement.Score("test", "set", truth, detections, 1.0);
        Assert.That(r.ByWidth.Single(b => b.Bucket == "20-40"), Is.EqualTo(("20-40", 1, 1)));
        Assert.That(r.ByWidth.Single(b => b.Bucket == "40-80"), Is.EqualTo(("40-80", 1, 0)));
        Assert.That(r.ByWidth.Single(b => b.Bucket == "0-20").Faces, Is.EqualTo(0), "the invalid face is left out");
        Assert.That(r.Recall20, Is.EqualTo(50.0));
        Assert.That(r.Recall40, Is.EqualTo(0.0));
        // False: the box at (500, 500) and the one on the face-free photo; the 10-wide box overlaps the 50 px face at
        // IoU 0.2 (< 0.3), so it is false too; the one on the invalid face is not.
        Assert.That(r.FalseDetections, Is.EqualTo(3));
        Assert.That(r.FalsePerPhoto, Is.EqualTo(1.5));
    }
}
