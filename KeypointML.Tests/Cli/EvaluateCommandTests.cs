using System.Text.Json;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Tests.Data;
using Microsoft.ML;

namespace KeypointML.Tests.Cli;

public class EvaluateCommandTests
{
    private TempFolder _folder = null!;
    private string _face58 = "", _nose = "";

    [OneTimeSetUp]
    public void MakeModels()
    {
        _folder = new TempFolder();
        _face58 = CliTestModels.Face58(_folder.Path);
        _nose = CliTestModels.Nose(_folder.Path);
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
}
