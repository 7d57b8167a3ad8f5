using System.Text.Json;
using KeypointML.Data;
using KeypointML.Tests.Cli;
using KeypointML.Tooling.Report;
using KeypointML.Training.Training;

namespace KeypointML.Tests.Parity;

/// <summary>One error core: the trainer's summary, <c>keypointml evaluate</c> and the report give the same NME for the
/// same model and faces.</summary>
public class OneNmeTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        dir = Path.Combine(Path.GetTempPath(), "kpml-one-nme-" + Guid.NewGuid().ToString("N"));
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    [Test]
    public void Summary_Evaluate_AndReport_PrintTheSameNme()
    {
        // A coordinate model: TorchSharp and ONNX Runtime outputs differ by ~1e-7, so the NMEs must agree closely (a
        // barely trained heatmap model has near-tied cells that the two may decode differently).
        const int limit = 12, testFaces = limit / 4;
        var overrides = new RecipeOverrides { Limit = limit, Epochs = 1, InputSize = 64, BatchSize = 4, Pretrained = false };
        var summary = RecipeRunner.Run("ibug-resnet18", overrides, Path.Combine(dir, "run"), resume: false, null, TextWriter.Null);
        Assert.That(summary.Test, Is.Not.Null);
        Assert.That(summary.Test!.Faces, Is.EqualTo(testFaces));
        double trainer = summary.Test.NmeInterOcular!.Value;

        var evaluate = CliRun.Of("evaluate", "--model", summary.OnnxPath, "--data", KeypointDatasets.IbugTest, "--limit", testFaces.ToString(), "--json");
        Assert.That(evaluate.Code, Is.EqualTo(0), evaluate.ToString());
        double evaluated = JsonDocument.Parse(evaluate.Out).RootElement.GetProperty("nmeInterOcular").GetDouble();

        Directory.CreateDirectory(Path.Combine(dir, "pictures"));
        var report = ModelMeasurement.Measure(summary.OnnxPath, new ReportOptions(Path.GetDirectoryName(summary.OnnxPath)!, null, testFaces, TimedFaces: 2), Path.Combine(dir, "pictures"));
        Assert.That(report.Problem, Is.Null);
        double reported = report.Metrics!.NmeInterOcular!.Value;

        TestContext.Out.WriteLine($"NME: trainer {trainer:R}, evaluate {evaluated:R}, report {reported:R}");
        Assert.That(evaluated, Is.EqualTo(reported), "evaluate and the report run the same pipeline and error core");
        Assert.That(trainer, Is.EqualTo(evaluated).Within(1e-5).Percent, "the trainer decodes TorchSharp's outputs with the same error core");
    }
}
