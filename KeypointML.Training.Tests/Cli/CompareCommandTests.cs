using System.Text.Json;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Cli;

public class CompareCommandTests
{
    private TempFolder _folder = null!;
    private string _untrained58 = "", _nose = "", _shipped58 = "";

    [OneTimeSetUp]
    public void MakeModels()
    {
        _folder = new TempFolder();
        _untrained58 = CliTestModels.Face58(_folder.Path);
        _nose = CliTestModels.Nose(_folder.Path);
        _shipped58 = Path.Combine(RepositoryFiles.Root(), "models", "imm-face58.onnx");
    }

    [OneTimeTearDown]
    public void Clean() => _folder.Dispose();

    private static double EvaluateNme(string model)
    {
        var run = CliRun.Of("evaluate", "--model", model, "--data", "imm-val", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        return JsonDocument.Parse(run.Out).RootElement.GetProperty("nmeBox").GetDouble();
    }

    [Test]
    public void TrainedAgainstUntrained_GivesEachModelsEvaluateNme_AndASignificantGain()
    {
        var run = CliRun.Of("compare", "--model", _shipped58, "--baseline", _untrained58, "--data", "imm-val", "--json");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var json = JsonDocument.Parse(run.Out).RootElement;
        double model = json.GetProperty("modelNme").GetDouble(), baseline = json.GetProperty("baselineNme").GetDouble();
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("faces").GetInt32(), Is.EqualTo(48));
            Assert.That(model, Is.EqualTo(EvaluateNme(_shipped58)).Within(1e-12), "the same per-face NMEs as evaluate");
            Assert.That(baseline, Is.EqualTo(EvaluateNme(_untrained58)).Within(1e-12));
            Assert.That(json.GetProperty("meanDifference").GetDouble(), Is.EqualTo(model - baseline).Within(1e-12));
            Assert.That(json.GetProperty("significant").GetBoolean(), Is.True, "a trained model beats an untrained one beyond noise");
            Assert.That(json.GetProperty("modelBetter").GetInt32(), Is.GreaterThan(40));
        });
    }

    [Test]
    public void ModelAgainstItself_IsWithinNoise()
    {
        var run = CliRun.Of("compare", "--model", _shipped58, "--baseline", _shipped58, "--data", "imm-val", "--limit", "8");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("faces     8 of imm-val").And.Contain("+0.000 points, standard error 0.000")
            .And.Contain("better on  model 0 faces, baseline 0").And.Contain("within the noise"));
    }

    [Test]
    public void ModelsOfOtherPoints_AreAOneLineError()
    {
        var run = CliRun.Of("compare", "--model", _nose, "--baseline", _untrained58, "--data", "imm-val");
        Assert.That(run.Code, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrLines, Has.Length.EqualTo(1));
        Assert.That(run.Err, Does.Contain("do not predict the same points").And.Contain("1 and 58 points"));
    }
}
