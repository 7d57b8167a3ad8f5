using KeypointML.Training.Cli;

namespace KeypointML.Tests.Training;

public class CliTests
{
    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        int code = TrainingTool.Run(args, err);
        return (code, err.ToString());
    }

    [Test]
    public void UnknownRecipe_IsOneLineError()
    {
        var (code, err) = Run("train", "imm-nosee");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("imm-nosee").And.Contain("keypointml"));
    }

    [Test]
    public void BadOptionValue_IsOneLineError()
    {
        var (code, err) = Run("train", "imm-nose", "--epochs", "many");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("many"));
    }

    [Test]
    public void SemanticMistake_IsOneLineErrorFromTheVerb()
    {
        var (code, err) = Run("train", "imm-nose", "--threads", "0");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err.Trim(), Is.EqualTo("keypointml: error: --threads must be at least 1; got 0."));
    }

    [Test]
    public void ResumeWithoutRun_IsOneLineError()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kpml-empty-" + Guid.NewGuid().ToString("N"));
        var (code, err) = Run("train", "imm-nose", "--resume", "--out", folder);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.StartWith("keypointml: error: ").And.Contain("nothing to resume"));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void TrainVerb_IsRegistered()
    {
        var root = TrainingTool.CreateRoot();
        Assert.That(root.Subcommands.Select(c => c.Name), Does.Contain("train"));
    }
}
