using KeypointML.Tests.Cli;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Cli;
using KeypointML.Training.Cli;
using SkiaSharp;

namespace KeypointML.Tests.Report;

public class ReportCommandTests
{
    private TempFolder _folder = null!;
    private string _models = "", _runs = "";

    [OneTimeSetUp]
    public void MakeModelsAndRun()
    {
        _folder = new TempFolder();
        _models = Directory.CreateDirectory(Path.Combine(_folder.Path, "models")).FullName;
        CliTestModels.Nose(_models);
        _runs = Directory.CreateDirectory(Path.Combine(_folder.Path, "runs")).FullName;
        var run = Directory.CreateDirectory(Path.Combine(_runs, "imm-nose")).FullName;
        File.WriteAllLines(Path.Combine(run, "losses.csv"), ["epoch,train_loss,val_loss,seconds", "1,0.05,0.04,1.00", "2,0.02,0.03,1.00", "3,0.01,0.02,1.00"]);
    }

    [OneTimeTearDown]
    public void Clean() => _folder.Dispose();

    [Test]
    public void Report_HasTheTableRows_AndRendersInChromium()
    {
        var output = Path.Combine(_folder.Path, "report");
        var run = CliRun.Of("report", "--out", output, "--models", _models, "--runs", _runs, "--limit", "12");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("imm-nose  imm-val").And.Contain("report: "), "the results table is printed too");

        var html = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.That(html, Does.Contain("<tr id=\"model-imm-nose\"><td>imm-nose</td><td>imm-val</td><td>12</td>"));
        Assert.That(html, Does.Contain("<img src=\"imm-nose-losses.png\"").And.Contain("imm-nose-best.png").And.Contain("imm-nose-worst.png"));
        foreach (var png in new[] { "imm-nose-losses.png", "imm-nose-best.png", "imm-nose-worst.png" })
            Assert.That(File.Exists(Path.Combine(output, png)), Is.True, png);
        Assert.That(Directory.GetDirectories(_folder.Path, ".report.*"), Is.Empty, "no staging folder left");

        var browser = ChromiumScreenshot.FindBrowser();
        if (browser is null) Assert.Ignore("chromium is not installed (.ci/run installs it)");
        var shot = Path.Combine(_folder.Path, "report.png");
        ChromiumScreenshot.Take(browser, Path.Combine(output, "index.html"), shot, Path.Combine(_folder.Path, "chromium-profile"));
        using var bitmap = SKBitmap.Decode(shot);
        Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((1200, 2000)));
        // Not blank: text, table and photographs give many colours and a fair share of non-white pixels.
        var pixels = bitmap.Pixels;
        int colours = pixels.Select(p => (uint)p).Distinct().Count();
        double nonWhite = pixels.Count(p => p.Red < 240 || p.Green < 240 || p.Blue < 240) / (double)pixels.Length;
        Assert.That(colours, Is.GreaterThan(1000), "photographs of faces hold thousands of colours");
        Assert.That(nonWhite, Is.GreaterThan(0.05));
    }

    [Test]
    public void WithoutRuns_StillRenders_AndSaysWhy()
    {
        var output = Path.Combine(_folder.Path, "report-no-runs");
        var run = CliRun.Of("report", "--out", output, "--models", _models, "--runs", Path.Combine(_folder.Path, "no-runs"), "--limit", "4");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var html = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.That(html, Does.Contain("No loss curves: no imm-nose.losses.csv beside the model and no runs folder").And.Contain("training history was not committed"));
        Assert.That(html, Does.Contain("<tr id=\"model-imm-nose\">"));
        Assert.That(File.Exists(Path.Combine(output, "imm-nose-losses.png")), Is.False);
    }

    [Test]
    public void A_loss_history_committed_beside_the_model_is_drawn_without_runs()
    {
        var models = Directory.CreateDirectory(Path.Combine(_folder.Path, "models-with-history")).FullName;
        CliTestModels.Nose(models);
        File.WriteAllLines(Path.Combine(models, "imm-nose.losses.csv"), ["epoch,train_loss,val_loss,seconds", "1,0.05,0.04,1.00", "2,0.02,0.03,1.00"]);
        var output = Path.Combine(_folder.Path, "report-shipped-history");
        var run = CliRun.Of("report", "--out", output, "--models", models, "--runs", Path.Combine(_folder.Path, "no-runs"), "--limit", "4");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(File.Exists(Path.Combine(output, "imm-nose-losses.png")), Is.True, "models/NAME.losses.csv is read when there is no run folder");
    }

    [Test, NonParallelizable] // sets the working directory and KEYPOINTML_MODELS, both process-wide
    public void NoVerb_RunsTheMainJob_TheReportOnTheDefaults()
    {
        var work = Directory.CreateDirectory(Path.Combine(_folder.Path, "main-job")).FullName;
        string directoryBefore = Directory.GetCurrentDirectory();
        string? modelsBefore = Environment.GetEnvironmentVariable(ShippedModels.FolderVariable);
        CliRun run;
        try
        {
            Directory.SetCurrentDirectory(work);
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, _models);
            run = CliRun.Of();
        }
        finally
        {
            Directory.SetCurrentDirectory(directoryBefore);
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, modelsBefore);
        }
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Match(@"^model\s+evaluated on\s+faces\s+MSE"), "the results table, header first");
        Assert.That(run.Out, Does.Match(@"\nimm-nose\s+imm-val\s+48\s"), "all 48 validation faces: no --limit");
        string index = Path.Combine(work, ReportCommand.MainJobOutFolder, "index.html");
        Assert.That(run.Out, Does.Contain("report: " + index));
        Assert.That(File.ReadAllText(index), Does.Contain("<tr id=\"model-imm-nose\"><td>imm-nose</td><td>imm-val</td><td>48</td>"));
    }

    [Test]
    public void RootHelp_SaysWhatNoVerbDoes()
    {
        var run = CliRun.Of("--help");
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("Without a verb: the main job, 'report --out report'"));
    }

    [Test]
    public void SecondReport_ReplacesTheFirst_Whole()
    {
        var output = Path.Combine(_folder.Path, "report-twice");
        var empty = Directory.CreateDirectory(Path.Combine(_folder.Path, "empty-models")).FullName;
        Assert.That(CliRun.Of("report", "--out", output, "--models", _models, "--limit", "4").Code, Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(output, "imm-nose-best.png")), Is.True);

        var run = CliRun.Of("report", "--out", output, "--models", empty);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Contain("no models (*.onnx) in"));
        Assert.That(File.ReadAllText(Path.Combine(output, "index.html")), Does.Contain("id=\"no-models\""));
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName), Is.EqualTo(new[] { "index.html" }), "nothing of the first report is left");
    }
}
