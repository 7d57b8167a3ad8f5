using KeypointML.Preprocessing;
using System.Text.Json;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Geometry;
using KeypointML.Codecs;
using KeypointML.Tests.Data;
using KeypointML.Training.Training;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Cli;

public class EvaluateCommandTests
{
    private TempFolder _folder = null!;
    private string _face58 = "", _nose = "", _ibug68 = "";
    private const float Ibug68CropScale = 1.25f;

    [OneTimeSetUp]
    public void MakeModels()
    {
        _folder = new TempFolder();
        _face58 = CliTestModels.Face58(_folder.Path);
        _nose = CliTestModels.Nose(_folder.Path);
        _ibug68 = CliTestModels.Ibug68Trained(_folder.Path, Ibug68CropScale);
    }

    [OneTimeTearDown]
    public void Clean() => _folder.Dispose();

    [Test]
    public void Json_IsOneLine_EqualToTheLibrarysEvaluation()
    {
        var run = CliRun.Of("evaluate", "--model", _face58, "--data", "imm-val", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var lines = run.Out.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1));

        var ml = new MLContext(seed: 0);
        var expected = ml.EvaluateKeypoints(LibraryPipeline.Score(ml, _face58, KeypointDatasets.Load(ml, "imm-val").Data));
        var json = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("count").GetInt32(), Is.EqualTo(48).And.EqualTo(expected.Count));
            Assert.That(json.GetProperty("mse").GetDouble(), Is.EqualTo(expected.Mse));
            Assert.That(json.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(expected.MeanPixelError));
            Assert.That(json.GetProperty("nmeBox").GetDouble(), Is.EqualTo(expected.NmeBox));
            Assert.That(json.GetProperty("nmeInterOcular").ValueKind, Is.EqualTo(JsonValueKind.Null), "58 IMM points have no inter-ocular NME");
            Assert.That(json.GetProperty("nmeBasis").GetString(), Is.EqualTo(expected.NmeBasis));
            Assert.That(json.GetProperty("failureRate").GetDouble(), Is.EqualTo(expected.FailureRate));
            Assert.That(json.GetProperty("auc").GetDouble(), Is.EqualTo(expected.Auc));
            Assert.That(json.GetProperty("threshold").GetDouble(), Is.EqualTo(expected.Threshold));
            Assert.That(json.GetProperty("perKeypointError").EnumerateArray().Select(e => e.GetDouble()), Is.EqualTo(expected.PerKeypointError));
        });
        Assert.That(JsonSerializer.Deserialize<KeypointMetrics>(lines[0]), Is.Not.Null, "the line reads back as KeypointMetrics");
    }

    [Test]
    public void NoseModel_IsComparedWithTheLearnedPoint52()
    {
        var run = CliRun.Of("evaluate", "--model", _nose, "--data", "imm-val", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var json = JsonDocument.Parse(run.Out).RootElement;

        var ml = new MLContext(seed: 0);
        var scored = LibraryPipeline.Score(ml, _nose, KeypointDatasets.Load(ml, "imm-val").Data);
        var predicted = LibraryPipeline.Column(scored, "Keypoints");
        var labels = LibraryPipeline.Column(scored, "Label");
        double expected = predicted.Zip(labels, (p, l) => Math.Sqrt(Math.Pow(p[0] - l[2 * 52], 2) + Math.Pow(p[1] - l[2 * 52 + 1], 2))).Average();
        Assert.That(json.GetProperty("count").GetInt32(), Is.EqualTo(48));
        Assert.That(json.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(expected).Within(1e-9));
        Assert.That(json.GetProperty("perKeypointError").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public void Table_NamesModelDataAndMetrics()
    {
        var run = CliRun.Of("evaluate", "--model", _nose, "--data", "imm-val", "--limit", "4");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("imm-nose: 1 point (dataset point 52)").And.Contain("imm-val (4 faces)")
            .And.Contain("mean pixel error (px)").And.Contain("NME box"));
    }

    [Test]
    public void ModelOfAnotherPointScheme_IsOneLineError()
    {
        var run = CliRun.Of("evaluate", "--model", _nose, "--data", "ibug-test");
        Assert.That(run.Code, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrLines, Has.Length.EqualTo(1));
        Assert.That(run.Err, Does.Contain("predicts 1 point(s)").And.Contain("labels 68"));
    }

    /// <summary>
    /// The shipped models' mean-shape baseline on imm-val (mean of imm-train's 192 faces) equals what their training runs
    /// printed and wrote to summary.json (BaselineMse, BaselineMeanPixelError of runs/imm-face58 and runs/imm-nose-s*;
    /// the log: "mean-shape baseline 4.0867E-003", "baseline 42.78 px").
    /// </summary>
    [TestCase("imm-face58", 0.0040866960771381855, 42.78150947132587)]
    [TestCase("imm-nose", 0.005085395183414221, 47.408503782541494)]
    public void MeanShapeOf_ReproducesTheTrainingRunsBaseline(string model, double mse, double pixels)
    {
        var path = Path.Combine(RepositoryFiles.Root(), "models", model + ".onnx");
        var run = CliRun.Of("evaluate", "--model", path, "--data", "imm-val", "--mean-shape-of", "imm-train", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var json = JsonDocument.Parse(run.Out).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("count").GetInt32(), Is.EqualTo(48));
            Assert.That(json.GetProperty("mse").GetDouble(), Is.EqualTo(mse).Within(mse * 1e-6));
            Assert.That(json.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(pixels).Within(0.01));
            Assert.That(json.GetProperty("regions").ValueKind, Is.EqualTo(JsonValueKind.Null), "IMM points have no regions");
        });
    }

    /// <summary>68 points, box crops scaled 1.25 and squared: the baseline equals the training path's mean target
    /// (FaceTensorLoader, TensorDataset.MeanTarget) mapped through the crops the pipeline makes, evaluated by the library.</summary>
    [Test]
    public void MeanShapeOf_On68Points_IsTheTrainingMeanShapeInThePipelinesCrops()
    {
        const int faces = 6;
        var run = CliRun.Of("evaluate", "--model", _ibug68, "--data", "ibug-test", "--limit", faces.ToString(), "--mean-shape-of", "ibug-test", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var json = JsonDocument.Parse(run.Out).RootElement;

        var ml = new MLContext(seed: 0);
        var trainRows = KeypointDatasets.Load(ml, "ibug-test").Rows.ToList();
        float[] meanShape;
        using (var train = FaceTensorLoader.Load(ml, trainRows, new FacePreprocessing { InputHeight = 16, InputWidth = 16, CropScale = Ibug68CropScale, CropSquare = true }))
            meanShape = train.MeanTarget();
        var scored = LibraryPipeline.Score(ml, _ibug68, ml.Data.TakeRows(KeypointDatasets.Load(ml, "ibug-test").Data, faces));
        var labels = LibraryPipeline.Column(scored, "Label");
        var boxes = LibraryPipeline.Column(scored, "Box");
        var sizes = LibraryPipeline.Column(scored, "ImageSize");
        var geometries = LibraryPipeline.Column(scored, "CropGeometry");
        var rows = Enumerable.Range(0, faces).Select(i => new BaselineRow
        {
            Label = labels[i], Box = boxes[i], ImageSize = sizes[i],
            Keypoints = CropGeometry.FromVector(geometries[i]).KeypointsFromNormalized(meanShape),
        });
        var expected = ml.EvaluateKeypoints(ml.Data.LoadFromEnumerable(rows));

        static void Near(JsonElement value, double? want, string name) =>
            Assert.That(value.GetDouble(), Is.EqualTo(want!.Value).Within(Math.Abs(want.Value) * 1e-5 + 1e-9), name);
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("count").GetInt32(), Is.EqualTo(faces));
            Near(json.GetProperty("mse"), expected.Mse, "mse");
            Near(json.GetProperty("meanPixelError"), expected.MeanPixelError, "meanPixelError");
            Near(json.GetProperty("nmeInterOcular"), expected.NmeInterOcular, "nmeInterOcular");
            Near(json.GetProperty("nmeInterPupil"), expected.NmeInterPupil, "nmeInterPupil");
            Near(json.GetProperty("auc"), expected.Auc, "auc");
            Assert.That(json.GetProperty("failureRate").GetDouble(), Is.EqualTo(expected.FailureRate));
            foreach (var (region, error) in expected.Regions!.ToList())
            {
                var r = json.GetProperty("regions").GetProperty(region.Name);
                Near(r.GetProperty("nmeInterOcular"), error.NmeInterOcular, region.Name);
                Near(r.GetProperty("meanPixelError"), error.MeanPixelError, region.Name);
            }
        });
    }

    /// <summary>The shipped heatmap model on 8 test faces: <c>--refine NAME</c> equals the library's DetectKeypoints
    /// with that <see cref="HeatmapRefinement"/>, and moves the points (plain argmax differs).</summary>
    [TestCase("quarter-offset", HeatmapRefinement.QuarterOffset)]
    [TestCase("log-parabola", HeatmapRefinement.LogParabola)]
    [TestCase("dark", HeatmapRefinement.Dark)]
    [TestCase(null, HeatmapRefinement.Dark)]
    public void Refine_IsTheLibrarysRefinedDecoding(string? name, HeatmapRefinement refinement)
    {
        const int faces = 8;
        var path = Path.Combine(RepositoryFiles.Root(), "models", "ibug68-heatmap.onnx");
        // No --refine: the default, DARK, the same as the library's default.
        var refined = name is null
            ? CliRun.Of("evaluate", "--model", path, "--data", "ibug-test", "--limit", faces.ToString(), "--json")
            : CliRun.Of("evaluate", "--model", path, "--data", "ibug-test", "--limit", faces.ToString(), "--refine", name, "--json");
        var argmax = CliRun.Of("evaluate", "--model", path, "--data", "ibug-test", "--limit", faces.ToString(), "--refine", "none", "--json");
        Assert.That(refined.Code, Is.EqualTo(0), refined.ToString());
        Assert.That(argmax.Code, Is.EqualTo(0), argmax.ToString());

        var ml = new MLContext(seed: 0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, "ibug-test").Data, faces);
        var options = name is null
            ? new KeypointDetectionOptions { ModelPath = path, BoxColumnName = "Box" }
            : new KeypointDetectionOptions { ModelPath = path, BoxColumnName = "Box", Refinement = refinement };
        var expected = ml.EvaluateKeypoints(ml.Transforms.DetectKeypoints(options).Fit(data).Transform(data));

        var r = JsonDocument.Parse(refined.Out).RootElement;
        var a = JsonDocument.Parse(argmax.Out).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(r.GetProperty("count").GetInt32(), Is.EqualTo(faces));
            Assert.That(r.GetProperty("meanPixelError").GetDouble(), Is.EqualTo(expected.MeanPixelError).Within(1e-9));
            Assert.That(r.GetProperty("nmeInterOcular").GetDouble(), Is.EqualTo(expected.NmeInterOcular!.Value).Within(1e-12));
            Assert.That(a.GetProperty("meanPixelError").GetDouble(), Is.Not.EqualTo(expected.MeanPixelError).Within(1e-3), "argmax and the refinement decode differently");
        });
    }

    [Test]
    public void MeanShapeOf_Table_SaysItIsTheBaselineAndListsRegions()
    {
        var run = CliRun.Of("evaluate", "--model", _ibug68, "--data", "ibug-test", "--limit", "3", "--mean-shape-of", "ibug-test");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        TestContext.Out.WriteLine(run.Out);
        Assert.That(run.Out, Does.Contain("the mean shape of ibug-test (337 faces)").And.Contain("ibug-test (3 faces)")
            .And.Contain("NME inter-ocular").And.Contain("jaw (points 0-16)").And.Contain("mouth (points 48-67)"));
    }

    [Test]
    public void MeanShapeOf_AnotherPointScheme_IsOneLineError()
    {
        var run = CliRun.Of("evaluate", "--model", _ibug68, "--data", "ibug-test", "--mean-shape-of", "imm-train");
        Assert.That(run.Code, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrLines, Has.Length.EqualTo(1));
        Assert.That(run.Err, Does.Contain("'imm-train' labels 58").And.Contain("labels 68"));
    }

    private sealed class BaselineRow
    {
        public float[] Label { get; set; } = [];
        public float[] Keypoints { get; set; } = [];
        [Microsoft.ML.Data.VectorType(4)] public float[] Box { get; set; } = [];
        [Microsoft.ML.Data.VectorType(2)] public float[] ImageSize { get; set; } = [];
    }
}
