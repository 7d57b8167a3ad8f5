using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>A bad row never costs a good one: 1001 rows with five bad ones, under each <see cref="BadRowPolicy"/>.</summary>
public class BadRowPolicyTests
{
    private const int Rows = 1001;

    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }

    private sealed class Scored
    {
        public string ImagePath { get; set; } = "";
        public string Error { get; set; } = "";
        public float[] Keypoints { get; set; } = [];
    }

    private static TestFiles? _files;
    private static List<Row> _rows = [];
    private static Dictionary<int, string> _reasons = [];
    private static List<float[]> _clean = [];

    [OneTimeSetUp]
    public static void MakeRows()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        _files = new TestFiles();
        var faces = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmAll).Rows.ToList();
        var jpeg = File.ReadAllBytes(faces[0].ImagePath);
        var bad = new Dictionary<int, (Row Row, string Reason)>
        {
            [0] = (new Row { ImagePath = Path.Combine(_files.Folder, "missing.jpg"), Box = [0, 0, 640, 480] }, "not found"),
            [250] = (new Row { ImagePath = _files.Bytes("empty.jpg", []), Box = [0, 0, 640, 480] }, "is empty (0 bytes)"),
            [500] = (new Row { ImagePath = _files.Bytes("truncated.jpg", jpeg[..(jpeg.Length / 2)]), Box = [0, 0, 640, 480] }, "truncated or corrupt"),
            [750] = (new Row { ImagePath = faces[1].ImagePath, Box = [float.NaN, 0, 640, 480] }, "is not finite"),
            [Rows - 1] = (new Row { ImagePath = faces[2].ImagePath, Box = [5000, 5000, 100, 100] }, "lies mostly outside the image"),
        };
        _rows = Enumerable.Range(0, Rows).Select(i => bad.TryGetValue(i, out var b) ? b.Row
            : new Row { ImagePath = faces[i % faces.Count].ImagePath, Box = faces[i % faces.Count].Box }).ToList();
        _reasons = bad.ToDictionary(b => b.Key, b => b.Value.Reason);
        // The clean run: the good rows alone.
        var ml = new MLContext(seed: 0);
        var good = ml.Data.LoadFromEnumerable(_rows.Where((_, i) => !bad.ContainsKey(i)));
        _clean = ml.Data.CreateEnumerable<Scored>(Detector(ml, BadRowPolicy.Mark).Fit(good).Transform(good), false).Select(s => s.Keypoints).ToList();
    }

    [OneTimeTearDown]
    public static void Clean() => _files?.Dispose();

    private static KeypointDetectionEstimator Detector(MLContext ml, BadRowPolicy policy) => ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
    {
        ModelPath = RepositoryFiles.Model("imm-nose"), BoxColumnName = "Box", OnBadRow = policy,
    });

    [Test]
    public void Mark_keeps_every_row_scores_the_good_ones_as_a_clean_run_and_gives_each_bad_one_its_reason()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(_rows);
        var scored = ml.Data.CreateEnumerable<Scored>(Detector(ml, BadRowPolicy.Mark).Fit(data).Transform(data), false).ToList();
        Assert.That(scored, Has.Count.EqualTo(Rows));
        Assert.That(_clean, Has.Count.EqualTo(Rows - _reasons.Count));
        int g = 0;
        for (int i = 0; i < Rows; i++)
        {
            if (_reasons.TryGetValue(i, out var reason))
            {
                Assert.That(scored[i].Error, Does.Contain(reason).And.Contain(Path.GetFileName(_rows[i].ImagePath)), $"row {i}");
                Assert.That(scored[i].Keypoints.All(float.IsNaN), Is.True, $"row {i}");
                continue;
            }
            Assert.That(scored[i].Error, Is.Empty, $"row {i}");
            Assert.That(scored[i].Keypoints, Is.EqualTo(_clean[g++]), $"row {i}: a good row scores as in the clean run");
        }
    }

    [Test]
    public void Skip_serves_exactly_the_good_rows_in_order()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(_rows);
        var scored = ml.Data.CreateEnumerable<Scored>(Detector(ml, BadRowPolicy.Skip).Fit(data).Transform(data), false).ToList();
        Assert.That(scored.Select(s => s.Keypoints), Is.EqualTo(_clean));
        Assert.That(scored.All(s => s.Error.Length == 0), Is.True);
    }

    [Test]
    public void Fail_stops_at_the_first_bad_row_with_the_librarys_exception_naming_row_and_file()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(_rows.Skip(1));   // the first bad row is now the empty file, at 249
        var e = Assert.Throws<KeypointRowException>(() => ml.Data.CreateEnumerable<Scored>(Detector(ml, BadRowPolicy.Fail).Fit(data).Transform(data), false).ToList());
        Assert.That(e!.RowIndex, Is.EqualTo(249));
        Assert.That(e.ImagePath, Is.EqualTo(_rows[250].ImagePath));
        Assert.That(e.Reason, Does.Contain("is empty (0 bytes)"));
        Assert.That(e.Message, Does.StartWith("row 249 (").And.Contain("empty.jpg"));
        Assert.That(e.InnerException, Is.InstanceOf<InvalidDataException>(), "the cause travels with the row's reason");
    }

    [Test]
    public void A_PredictionEngine_marks_a_bad_row_or_under_Fail_throws_the_librarys_exception()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(_rows.Take(2));
        using var marking = Detector(ml, BadRowPolicy.Mark).Fit(data);
        var engine = ml.Model.CreatePredictionEngine<Row, Scored>(marking);
        var bad = engine.Predict(_rows[0]);
        Assert.That(bad.Error, Does.Contain("not found"));
        Assert.That(engine.Predict(_rows[1]).Keypoints, Is.EqualTo(_clean[0]), "the engine goes on after a bad row");

        using var failing = Detector(ml, BadRowPolicy.Fail).Fit(data);
        var strict = ml.Model.CreatePredictionEngine<Row, Scored>(failing);
        var e = Assert.Throws<KeypointRowException>(() => strict.Predict(_rows[0]));
        Assert.That(e!.ImagePath, Is.EqualTo(_rows[0].ImagePath));
        Assert.That(e.InnerException?.InnerException, Is.InstanceOf<FileNotFoundException>(), "the reader's own exception, under the load step's");
        Assert.That(strict.Predict(_rows[1]).Keypoints, Is.EqualTo(_clean[0]));
    }
}
