using KeypointML.Data;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Cli;

/// <summary>Long predict runs: bad files cost no good row, a stopped run resumes, shards add up to the whole.</summary>
public class PredictResumeTests
{
    private TempFolder _folder = null!;
    private string _nose = "", _images = "";

    [OneTimeSetUp]
    public void MakeModelAndFolder()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        _folder = new TempFolder();
        _nose = CliTestModels.Nose(_folder.Path);
        // A folder of 20 IMM photos (each whole image is the face) and three broken files among them.
        _images = Directory.CreateDirectory(Path.Combine(_folder.Path, "photos")).FullName;
        foreach (var jpg in Directory.GetFiles(KeypointDataPaths.Imm, "*.jpg").Order().Take(20))
            File.Copy(jpg, Path.Combine(_images, Path.GetFileName(jpg)));
        var first = File.ReadAllBytes(Directory.GetFiles(_images).Order().First());
        File.WriteAllBytes(Path.Combine(_images, "05-0-empty.jpg"), []);
        File.WriteAllBytes(Path.Combine(_images, "10-0-truncated.jpg"), first[..(first.Length / 3)]);
        File.WriteAllText(Path.Combine(_images, "15-0-notes.jpg"), "not a picture");
    }

    [OneTimeTearDown]
    public void Clean() => _folder?.Dispose();

    private string Out(string name) => Path.Combine(_folder.Path, name);

    [Test]
    public void Broken_files_get_a_warning_each_and_every_good_file_its_row()
    {
        var csv = Out("all.csv");
        var run = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", csv);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var warnings = run.ErrLines.Where(l => l.StartsWith("warning: not scored:")).ToList();
        Assert.That(warnings, Has.Count.EqualTo(3), run.ToString());
        Assert.That(warnings.Any(w => w.Contains("05-0-empty.jpg") && w.Contains("empty (0 bytes)")), Is.True);
        Assert.That(warnings.Any(w => w.Contains("10-0-truncated.jpg") && w.Contains("truncated or corrupt")), Is.True);
        Assert.That(warnings.Any(w => w.Contains("15-0-notes.jpg") && w.Contains("not an image")), Is.True);
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.That(rows, Is.EqualTo(Directory.GetFiles(_images).Select(Path.GetFileName).Where(n => n!.Length == "01-1m.jpg".Length).Order()));
        Assert.That(Directory.Exists(csv + ".parts"), Is.False, "the parts are removed once the CSV is assembled");

        var strict = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", Out("strict.csv"), "--strict");
        Assert.That(strict.Code, Is.EqualTo(3), strict.ToString());
    }

    [Test]
    public void A_stopped_run_resumed_gives_the_uninterrupted_CSV_row_for_row()
    {
        var whole = Out("whole.csv");
        Assert.That(CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", whole, "--chunk-size", "4").Code, Is.EqualTo(0));

        // A run stopped after two chunks (--max-chunks: what a killed or time-boxed run leaves): parts, no CSV yet.
        var csv = Out("resumed.csv");
        var stopped = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", csv, "--chunk-size", "4", "--max-chunks", "2");
        Assert.That(stopped.Code, Is.EqualTo(0), stopped.ToString());
        Assert.That(File.Exists(csv), Is.False);
        Assert.That(Directory.GetFiles(csv + ".parts", "part-*.csv"), Has.Length.EqualTo(2));

        var again = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", csv, "--chunk-size", "4");
        Assert.That(again.Code, Is.Not.EqualTo(0), "leftover parts without --resume are refused");
        Assert.That(again.Err, Does.Contain("--resume"));
        var changed = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", csv, "--chunk-size", "5", "--resume");
        Assert.That(changed.Err, Does.Contain("belongs to another run"), "a different run does not mix into the parts");

        var resumed = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", csv, "--chunk-size", "4", "--resume");
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.ToString());
        Assert.That(resumed.Out, Does.Contain("resuming: 2 of 6 chunk(s) already written"));
        Assert.That(File.ReadAllLines(csv), Is.EqualTo(File.ReadAllLines(whole)));
    }

    [Test]
    public void Three_shards_concatenated_in_order_are_the_whole_run()
    {
        var whole = Out("whole-for-shards.csv");
        Assert.That(CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", whole).Code, Is.EqualTo(0));
        var rows = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var shard = Out($"shard-{i}.csv");
            var run = CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", shard, "--shard", $"{i}/3");
            Assert.That(run.Code, Is.EqualTo(0), run.ToString());
            rows.AddRange(File.ReadAllLines(shard).Skip(1));
        }
        Assert.That(rows, Is.EqualTo(File.ReadAllLines(whole).Skip(1)));
        Assert.That(CliRun.Of("predict", "--model", _nose, "--data", _images, "--out", Out("bad-shard.csv"), "--shard", "3/3").Code, Is.Not.EqualTo(0));
    }
}
