using KeypointML.Data;

namespace KeypointML.Tests.Data;

/// <summary>Broken copies of 01-1m.asf in a temporary folder: each error names the file and the line.</summary>
public class ImmBadInputTests
{
    private TempFolder _temp = null!;
    private string[] _lines = null!;

    [SetUp]
    public void CopyOriginal()
    {
        _temp = new TempFolder();
        _lines = File.ReadAllLines(DataFixtures.ImmAsf("01-1m"));
        _temp.Copy(DataFixtures.ImmJpg("01-1m"));
    }

    [TearDown]
    public void DeleteCopies() => _temp.Dispose();

    private KeypointDataException ReadBroken(IEnumerable<string> lines)
    {
        var file = _temp.WriteLines("01-1m.asf", lines);
        return Assert.Throws<KeypointDataException>(() => ImmFaceDatabase.ReadFile(file))!;
    }

    private string[] WithLine(int index, string text)
    {
        var copy = (string[])_lines.Clone();
        copy[index] = text;
        return copy;
    }

    [Test]
    public void MissingFile_IsNamed()
    {
        var missing = Path.Combine(_temp.Path, "05-2m.asf");
        var e = Assert.Throws<KeypointDataException>(() => ImmFaceDatabase.ReadFile(missing))!;
        Assert.That(e.Message, Does.Contain("05-2m.asf").And.Contain("does not exist"));
    }

    [Test]
    public void MissingFolder_IsNamed()
    {
        var missing = Path.Combine(_temp.Path, "no-such-folder");
        var e = Assert.Throws<KeypointDataException>(() => ImmFaceDatabase.Read(missing))!;
        Assert.That(e.Message, Does.Contain("no-such-folder").And.Contain("does not exist"));
    }

    [Test]
    public void MissingImage_NamesTheHostImageLine()
    {
        File.Delete(Path.Combine(_temp.Path, "01-1m.jpg"));
        var e = ReadBroken(_lines);
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", Array.IndexOf(_lines, "01-1m.jpg") + 1);
        Assert.That(e.Message, Does.Contain("01-1m.jpg").And.Contain("does not exist"));
    }

    [Test]
    public void Truncated_SaysItEndsEarly()
    {
        int cut = DataFixtures.AsfPointLineIndex(_lines, 30);
        var e = ReadBroken(_lines[..cut]);
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", cut);
        Assert.That(e.Message, Does.Contain("point 30 of 58").And.Contain("truncated"));
    }

    [Test]
    public void WrongPointCount_IsReportedOnTheCountLine()
    {
        int countLine = Array.IndexOf(_lines, "58");
        var e = ReadBroken(WithLine(countLine, "57"));
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", countLine + 1);
        Assert.That(e.Message, Does.Contain("57 points"));
    }

    [Test]
    public void MissingPointLine_IsReportedWhereTheIndexJumps()
    {
        int index = DataFixtures.AsfPointLineIndex(_lines, 20);
        var e = ReadBroken(_lines.Where((_, i) => i != index));
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", index + 1);
        Assert.That(e.Message, Does.Contain("expected point 20, found point 21"));
    }

    [Test]
    public void ValueThatIsNotANumber_IsQuoted()
    {
        int index = DataFixtures.AsfPointLineIndex(_lines, 52);
        var e = ReadBroken(WithLine(index, _lines[index].Replace("0.49070060", "0.49O7006")));
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", index + 1);
        Assert.That(e.Message, Does.Contain("'0.49O7006'").And.Contain("not a number"));
    }

    [Test]
    public void MissingField_IsCounted()
    {
        int index = DataFixtures.AsfPointLineIndex(_lines, 3);
        var e = ReadBroken(WithLine(index, "0 \t4 \t0.39896673 \t0.78051776 \t3 \t2"));
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", index + 1);
        Assert.That(e.Message, Does.Contain("found 6"));
    }

    [Test]
    public void RelativeValueOutsideZeroToOne_IsRejected()
    {
        int index = DataFixtures.AsfPointLineIndex(_lines, 7);
        var e = ReadBroken(WithLine(index, _lines[index].Replace("0.53707159", "53.707159")));
        DataFixtures.AssertNamesFileAndLine(e, "01-1m.asf", index + 1);
        Assert.That(e.Message, Does.Contain("outside 0..1"));
    }

    [Test]
    public void FileNameOutsideTheImmPattern_IsNamed()
    {
        var file = _temp.WriteLines("face.asf", _lines);
        var e = Assert.Throws<KeypointDataException>(() => ImmFaceDatabase.ReadFile(file))!;
        Assert.That(e.Message, Does.Contain("face.asf").And.Contain("PP-Vg.asf"));
    }
}
