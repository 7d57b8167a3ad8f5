using KeypointML.Tests.Data;
using KeypointML.Training.Cli;

namespace KeypointML.Tests.Cli;

/// <summary>A user's mistake ends in exit code 1 (2 for command-line syntax) and one line on stderr, never a stack trace.</summary>
public class UserMistakeTests
{
    private TempFolder _folder = null!;
    private string _nose = "";

    [OneTimeSetUp]
    public void MakeModel()
    {
        _folder = new TempFolder();
        _nose = CliTestModels.Nose(_folder.Path);
    }

    [OneTimeTearDown]
    public void Clean() => _folder.Dispose();

    private static void AssertOneLineError(CliRun run, int code, string contains)
    {
        Assert.That(run.Code, Is.EqualTo(code), run.ToString());
        Assert.That(run.ErrLines, Has.Length.EqualTo(1), run.ToString());
        Assert.That(run.Err, Does.StartWith("keypointml: ").And.Contain(contains).And.Not.Contain("   at "));
    }

    [TestCase("evaluate", "--data", "imm-val")]
    [TestCase("predict", "--data", "imm-val", "--out", "x.csv")]
    [TestCase("bench")]
    public void MissingModelFile(string verb, params string[] rest)
    {
        var missing = Path.Combine(_folder.Path, "no-such-model.onnx");
        AssertOneLineError(CliRun.Of([verb, "--model", missing, .. rest]), 1, "no-such-model.onnx: model file not found");
    }

    [Test]
    public void NotAnOnnxFile()
    {
        var fake = Path.Combine(_folder.Path, "fake.onnx");
        File.WriteAllText(fake, "not a model");
        AssertOneLineError(CliRun.Of("evaluate", "--model", fake, "--data", "imm-val"), 1, "not a readable ONNX model");
    }

    [Test]
    public void ShipCalibratingOnAnUnknownDataset_ShipsNothing()
    {
        string shipped = Path.Combine(_folder.Path, "shipped");
        Directory.CreateDirectory(shipped);
        AssertOneLineError(CliRun.Of("ship", "--model", _nose, "--name", "nose", "--models", shipped, "--calibrate", "imm-trian"), 1, "not a dataset name");
        Assert.That(Directory.GetFiles(shipped), Is.Empty, "a failed calibration leaves the models folder as it was");
    }

    [Test]
    public void UnknownDataset() =>
        AssertOneLineError(CliRun.Of("evaluate", "--model", _nose, "--data", "imm-vall"), 1, "not a dataset name");

    [Test]
    public void EvaluateOnUnlabelledImages()
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder.Path, "unlabelled")).FullName;
        File.Copy(DataFixtures.ImmJpg("01-1m"), Path.Combine(images, "a.jpg"), overwrite: true);
        AssertOneLineError(CliRun.Of("evaluate", "--model", _nose, "--data", images), 1, "has no keypoint labels");
    }

    [Test]
    public void BadOptionValue() =>
        AssertOneLineError(CliRun.Of("evaluate", "--model", _nose, "--data", "imm-val", "--limit", "0"), 1, "--limit must be at least 1");

    [Test]
    public void OptionThatIsNotANumber() =>
        AssertOneLineError(CliRun.Of("predict", "--model", _nose, "--data", "imm-val", "--out", "x.csv", "--limit", "few"), 2, "few");

    [Test]
    public void UnknownCalibrationKind() =>
        AssertOneLineError(CliRun.Of("ship", "--model", _nose, "--name", "nose", "--calibrate", "imm-train", "--calibration", "per-pont"), 2, "per-pont");

    [Test]
    public void UnknownRefinement() =>
        AssertOneLineError(CliRun.Of("evaluate", "--model", _nose, "--data", "imm-val", "--refine", "parabola"), 2, "parabola");

    [Test]
    public void MissingRequiredOption() =>
        AssertOneLineError(CliRun.Of("evaluate", "--model", _nose), 2, "--data");

    [Test]
    public void UnknownOption() =>
        AssertOneLineError(CliRun.Of("report", "--out", "r", "--colour", "red"), 2, "--colour");

    [Test]
    public void PredictOutIsAFolder() =>
        AssertOneLineError(CliRun.Of("predict", "--model", _nose, "--data", "imm-val", "--out", _folder.Path), 1, "is a folder");

    [Test]
    public void ReportOverAFolderThatIsNoReport()
    {
        var models = Directory.CreateDirectory(Path.Combine(_folder.Path, "no-models")).FullName;
        var precious = Directory.CreateDirectory(Path.Combine(_folder.Path, "precious")).FullName;
        File.WriteAllText(Path.Combine(precious, "notes.txt"), "keep me");
        AssertOneLineError(CliRun.Of("report", "--out", precious, "--models", models), 1, "holds no report");
        Assert.That(File.ReadAllText(Path.Combine(precious, "notes.txt")), Is.EqualTo("keep me"));
    }

    [Test]
    public void OcclusionOutsideZeroToOne() =>
        AssertOneLineError(CliRun.Of("train", "ibug-heatmap-zeroone", "--occlusion", "1.5"), 1, "--occlusion must be in [0, 1]; got 1.5");

    [Test]
    public void LowResolutionOutsideZeroToOne() =>
        AssertOneLineError(CliRun.Of("train", "ibug-heatmap-zeroone", "--low-res", "-0.1"), 1, "--low-res must be in [0, 1]; got -0.1");

    [Test]
    public void ValidationResolutionOutsideZeroToOne() =>
        AssertOneLineError(CliRun.Of("train", "ibug-fast", "--validate-low-res", "1.5"), 1, "--validate-low-res must be in (0, 1); got 1.5");

    [Test]
    public void EnsembleOfACoordinateModel() =>
        AssertOneLineError(CliRun.Of("ensemble", "-m", _nose, "-m", _nose, "--out", Path.Combine(_folder.Path, "e.onnx")), 1, "outputs coordinates");

    [Test]
    public void BenchDataWithoutModel() =>
        AssertOneLineError(CliRun.Of("bench", "--data", "imm-val"), 1, "--data needs --model");

    [TestCase("train")]
    [TestCase("evaluate")]
    [TestCase("predict")]
    [TestCase("bench")]
    [TestCase("fetch-data")]
    [TestCase("report")]
    [TestCase("ensemble")]
    public void EveryVerb_IsRegistered_WithHelp(string verb)
    {
        Assert.That(TrainingTool.CreateRoot().Subcommands.Select(c => c.Name), Does.Contain(verb));
        var run = CliRun.Of(verb, "--help");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("Usage:").And.Contain("--help"));
        Assert.That(run.Err, Is.Empty);
    }
}
