using KeypointML.Data;

namespace KeypointML.Tests.Data;

/// <summary>Broken copies of a real .pts file in a temporary folder: each error names the file and the line.</summary>
public class PtsBadInputTests
{
    private TempFolder _temp = null!;
    private string[] _lines = null!;

    [SetUp]
    public void CopyOriginal()
    {
        _temp = new TempFolder();
        _lines = File.ReadAllLines(Path.Combine(KeypointDataPaths.Ibug, Path.ChangeExtension(DataFixtures.FirstIbugImage, ".pts")));
    }

    [TearDown]
    public void DeleteCopies() => _temp.Dispose();

    private KeypointDataException ReadBroken(IEnumerable<string> lines)
    {
        var file = _temp.WriteLines("face.pts", lines);
        return Assert.Throws<KeypointDataException>(() => PtsReader.Read(file, 68))!;
    }

    [Test]
    public void MissingFile_IsNamed()
    {
        var e = Assert.Throws<KeypointDataException>(() => PtsReader.Read(Path.Combine(_temp.Path, "gone.pts")))!;
        Assert.That(e.Message, Does.Contain("gone.pts").And.Contain("does not exist"));
    }

    [Test]
    public void Truncated_SaysHowManyPointsWereRead()
    {
        var e = ReadBroken(_lines[..40]);
        DataFixtures.AssertNamesFileAndLine(e, "face.pts", 40);
        Assert.That(e.Message, Does.Contain("after 37 of 68 points"));
    }

    [Test]
    public void WrongPointCount_IsReportedOnTheHeader()
    {
        var e = ReadBroken(_lines.Select(l => l.StartsWith("n_points") ? "n_points:  67" : l));
        DataFixtures.AssertNamesFileAndLine(e, "face.pts", 2);
        Assert.That(e.Message, Does.Contain("67 points, expected 68"));
    }

    [Test]
    public void MorePointsThanDeclared_IsReported()
    {
        var broken = _lines.ToList();
        broken.Insert(broken.Count - 1, "1.0 2.0");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "face.pts", 72);
        Assert.That(e.Message, Does.Contain("expected '}'"));
    }

    [Test]
    public void ValueThatIsNotANumber_IsQuoted()
    {
        var broken = (string[])_lines.Clone();
        broken[9] = "12x.5 100.0";
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "face.pts", 10);
        Assert.That(e.Message, Does.Contain("'12x.5'").And.Contain("point 6"));
    }

    [Test]
    public void MissingOpeningBrace_IsReported()
    {
        var e = ReadBroken(_lines.Where(l => l != "{"));
        DataFixtures.AssertNamesFileAndLine(e, "face.pts", 3);
        Assert.That(e.Message, Does.Contain("'key: value' or '{'"));
    }
}
