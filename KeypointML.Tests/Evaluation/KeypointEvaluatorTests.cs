using System.Text.Json;
using KeypointML.Evaluation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Evaluation;

public class KeypointEvaluatorTests
{
    private sealed class Row
    {
        public float[] Label { get; set; } = [];
        public float[] Keypoints { get; set; } = [];
        [VectorType(4)] public float[] Box { get; set; } = [];
        [VectorType(2)] public float[] ImageSize { get; set; } = [];
    }

    private sealed class PlainRow
    {
        public float[] Label { get; set; } = [];
        public float[] Keypoints { get; set; } = [];
    }

    [Test]
    public void Two_point_example_matches_hand_computed_values()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            // Errors 5 px (3, 4) and 0.
            new Row { Label = [10, 10, 20, 20], Keypoints = [13, 14, 20, 20], Box = [0, 0, 40, 40], ImageSize = [100, 50] },
            // Errors 0 and 3 px (0, 3).
            new Row { Label = [0, 0, 5, 5], Keypoints = [0, 0, 5, 8], Box = [0, 0, 40, 40], ImageSize = [100, 50] },
        });
        var m = ml.EvaluateKeypoints(data);
        Assert.Multiple(() =>
        {
            Assert.That(m.Count, Is.EqualTo(2));
            Assert.That(m.MeanPixelError, Is.EqualTo(2.0).Within(1e-12));
            Assert.That(m.PerKeypointError, Is.EqualTo(new[] { 2.5, 1.5 }).Within(1e-12));
            // ((3/100)^2 + (4/50)^2 + (3/50)^2) / 8 coordinates.
            Assert.That(m.Mse, Is.EqualTo((0.0009 + 0.0064 + 0.0036) / 8).Within(1e-12));
            // Row NMEs by box size sqrt(40 * 40): 2.5/40 and 1.5/40.
            Assert.That(m.NmeBox, Is.EqualTo((0.0625 + 0.0375) / 2).Within(1e-12));
            Assert.That(m.NmeBasis, Is.EqualTo("box"));
            Assert.That(m.FailureRate, Is.EqualTo(0.0));
            Assert.That(m.Auc, Is.EqualTo((0.08 - 0.0625 + 0.08 - 0.0375) / (2 * 0.08)).Within(1e-9));
            Assert.That(m.NmeInterOcular, Is.Null, "not defined for 2 points");
            Assert.That(m.NmeInterPupil, Is.Null);
            Assert.That(m.Regions, Is.Null, "regions are the 68-point scheme's");
        });
    }

    [Test]
    public void Sixty_eight_point_example_gives_errors_per_region()
    {
        // Face 1: outer eye corners 36 and 45 at (0, 0) and (100, 0): inter-ocular distance 100.
        var label1 = new float[136];
        label1[2 * 45] = 100;
        var prediction1 = (float[])label1.Clone();
        prediction1[2 * 0] += 6; prediction1[2 * 0 + 1] += 8;     // jaw point 0: 10 px
        prediction1[2 * 30] += 3; prediction1[2 * 30 + 1] += 4;   // nose point 30: 5 px
        // Face 2: corners at (0, 0) and (0, 50): inter-ocular distance 50.
        var label2 = new float[136];
        label2[2 * 45 + 1] = 50;
        var prediction2 = (float[])label2.Clone();
        prediction2[2 * 60] += 8; prediction2[2 * 60 + 1] += 15;  // mouth point 60: 17 px
        prediction2[2 * 16] += 20;                                // jaw point 16: 20 px
        var ml = new MLContext(seed: 1);
        var m = ml.EvaluateKeypoints(ml.Data.LoadFromEnumerable(new[]
        {
            new PlainRow { Label = label1, Keypoints = prediction1 },
            new PlainRow { Label = label2, Keypoints = prediction2 },
        }));
        var regions = m.Regions!;
        Assert.Multiple(() =>
        {
            Assert.That(regions, Is.Not.Null);
            // Jaw, 17 points: face 1 mean 10/17 px (/100), face 2 mean 20/17 px (/50).
            Assert.That(regions.Jaw.MeanPixelError, Is.EqualTo((10.0 / 17 + 20.0 / 17) / 2).Within(1e-12));
            Assert.That(regions.Jaw.NmeInterOcular, Is.EqualTo((10.0 / 17 / 100 + 20.0 / 17 / 50) / 2).Within(1e-12));
            // Nose, 9 points: face 1 only.
            Assert.That(regions.Nose.MeanPixelError, Is.EqualTo(5.0 / 9 / 2).Within(1e-12));
            Assert.That(regions.Nose.NmeInterOcular, Is.EqualTo(5.0 / 9 / 100 / 2).Within(1e-12));
            // Mouth, 20 points: face 2 only.
            Assert.That(regions.Mouth.MeanPixelError, Is.EqualTo(17.0 / 20 / 2).Within(1e-12));
            Assert.That(regions.Mouth.NmeInterOcular, Is.EqualTo(17.0 / 20 / 50 / 2).Within(1e-12));
            Assert.That(regions.Brows.MeanPixelError, Is.EqualTo(0.0));
            Assert.That(regions.Eyes.NmeInterOcular, Is.EqualTo(0.0));
            Assert.That(regions.ToList().Select(r => r.Region.Name), Is.EqualTo(new[] { "jaw", "brows", "nose", "eyes", "mouth" }));
            Assert.That(regions.ToList().Sum(r => r.Region.Count), Is.EqualTo(68));
            // The whole face's figures are the regions' weighted by their point counts.
            Assert.That(regions.ToList().Sum(r => r.Error.NmeInterOcular * r.Region.Count) / 68, Is.EqualTo(m.NmeInterOcular).Within(1e-12));
            Assert.That(regions.ToList().Sum(r => r.Error.MeanPixelError * r.Region.Count) / 68, Is.EqualTo(m.MeanPixelError).Within(1e-12));
        });

        using var json = JsonDocument.Parse(m.ToJson());
        var jaw = json.RootElement.GetProperty("regions").GetProperty("jaw");
        Assert.That(jaw.GetProperty("nmeInterOcular").GetDouble(), Is.EqualTo(regions.Jaw.NmeInterOcular));
        Assert.That(jaw.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(regions.Jaw.MeanPixelError));
        Assert.That(json.RootElement.GetProperty("regions").EnumerateObject().Select(p => p.Name),
            Is.EqualTo(new[] { "jaw", "brows", "nose", "eyes", "mouth" }));
        Assert.That(JsonSerializer.Deserialize<KeypointMetrics>(m.ToJson())!.Regions, Is.EqualTo(regions), "reads back");
    }

    [Test]
    public void Sixty_eight_point_example_gives_inter_ocular_and_inter_pupil_NME()
    {
        var label = new float[136];
        // Right eye 36-41 at (0, 0); left eye 42-47 at (80, 0) except the outer corner 45 at (100, 0).
        for (int i = 42; i <= 47; i++) label[2 * i] = i == 45 ? 100 : 80;
        var prediction = (float[])label.Clone();
        prediction[0] += 6; prediction[1] += 8;   // keypoint 0 is 10 px off
        var ml = new MLContext(seed: 1);
        var m = ml.EvaluateKeypoints(ml.Data.LoadFromEnumerable([new PlainRow { Label = label, Keypoints = prediction }]));
        double rowError = 10.0 / 68;
        double pupilDistance = (80.0 * 5 + 100) / 6;
        Assert.Multiple(() =>
        {
            Assert.That(m.NmeInterOcular, Is.EqualTo(rowError / 100).Within(1e-12));
            Assert.That(m.NmeInterPupil, Is.EqualTo(rowError / pupilDistance).Within(1e-12));
            Assert.That(m.NmeBasis, Is.EqualTo("interOcular"));
            Assert.That(m.NmeBox, Is.Null, "no box column");
            Assert.That(m.Mse, Is.Null, "no image size column");
            Assert.That(m.FailureRate, Is.EqualTo(0.0));
            Assert.That(m.Auc, Is.EqualTo((0.08 - rowError / 100) / 0.08).Within(1e-9));
            Assert.That(m.PerKeypointError[0], Is.EqualTo(10.0).Within(1e-9));
        });
    }

    [Test]
    public void A_failure_counts_rows_above_the_threshold_and_adds_nothing_to_the_AUC()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { Label = [0, 0], Keypoints = [0, 0], Box = [0, 0, 10, 10], ImageSize = [10, 10] },   // NME 0
            new Row { Label = [0, 0], Keypoints = [1, 0], Box = [0, 0, 10, 10], ImageSize = [10, 10] },   // NME 0.1: failure
        });
        var m = KeypointEvaluator.Evaluate(data);
        Assert.That(m.FailureRate, Is.EqualTo(0.5));
        Assert.That(m.Auc, Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void Json_uses_the_camelCase_names_and_null_for_undefined_metrics()
    {
        var ml = new MLContext(seed: 1);
        var m = ml.EvaluateKeypoints(ml.Data.LoadFromEnumerable([new PlainRow { Label = [1, 2], Keypoints = [1, 2] }]));
        using var json = JsonDocument.Parse(m.ToJson());
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(names, Is.SupersetOf(new[] { "mse", "meanPixelError", "nmeInterOcular", "nmeInterPupil", "nmeBox", "failureRate", "auc", "perKeypointError", "count" }));
        Assert.That(json.RootElement.GetProperty("nmeInterOcular").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("count").GetInt32(), Is.EqualTo(1));
        Assert.That(json.RootElement.GetProperty("regions").ValueKind, Is.EqualTo(JsonValueKind.Null), "regions: null for 1 point");
    }

    [Test]
    public void Missing_columns_and_mismatched_rows_are_named()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new PlainRow { Label = [1, 2, 3, 4], Keypoints = [1, 2] }]);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.EvaluateKeypoints(data, new KeypointEvaluationOptions { LabelColumnName = "Truth" }));
        Assert.That(missing!.Message, Does.Contain("'Truth'"));
        var mismatch = Assert.Throws<InvalidDataException>(() => ml.EvaluateKeypoints(data));
        Assert.That(mismatch!.Message, Does.Contain("row 0").And.Contain("'Label' has 4 values"));
    }

    [Test]
    public void ConfidenceErrorCorrelation_IsSpearmansRho()
    {
        // Perfectly monotone in opposite directions: -1; ties get their mean rank.
        Assert.That(global::KeypointML.Evaluation.KeypointMetricsAccumulator.Spearman([(0.9, 1), (0.5, 2), (0.1, 3)]), Is.EqualTo(-1).Within(1e-12));
        // x ranks 1, 2.5, 2.5, 4 against y ranks 1, 2, 3, 4: rho = 4.5 / sqrt(4.5 * 5) = 0.9487.
        Assert.That(global::KeypointML.Evaluation.KeypointMetricsAccumulator.Spearman([(1, 1), (2, 2), (2, 3), (5, 4)]), Is.EqualTo(4.5 / Math.Sqrt(4.5 * 5)).Within(1e-12));
        // Through EvaluateKeypoints: the point with the lower confidence has the larger error.
        var acc = new global::KeypointML.Evaluation.KeypointMetricsAccumulator(hasBox: false, hasSize: false);
        acc.Add([0, 0, 10, 10], [1, 0, 10, 13], confidence: [0.9f, 0.2f]);
        acc.Add([0, 0, 10, 10], [0, 2, 10, 10.5f], confidence: [0.4f, 0.8f]);
        Assert.That(acc.Metrics().ConfidenceErrorCorrelation, Is.EqualTo(-0.8).Within(1e-12));
    }
}
