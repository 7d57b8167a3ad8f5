using KeypointML.Data;

namespace KeypointML.Tests.Data;

/// <summary>
/// Broken copies of the first two entries of the training XML (image paths made absolute so the images are found
/// from the temporary folder): each error names the file, the line and the image entry.
/// </summary>
public class IbugXmlBadInputTests
{
    private TempFolder _temp = null!;
    private List<string> _lines = null!;

    [SetUp]
    public void CopyFirstEntries()
    {
        _temp = new TempFolder();
        var original = File.ReadAllLines(DataFixtures.IbugTrainXml);
        int images = Array.FindIndex(original, l => l.Trim() == "<images>");
        int secondEnd = Enumerable.Range(0, original.Length).Where(i => original[i].Trim() == "</image>").Skip(1).First();
        var prefix = KeypointDataPaths.Ibug + Path.DirectorySeparatorChar;
        _lines = [.. original[..(secondEnd + 1)].Select(l => l.Replace("<image file='", "<image file='" + prefix)), "</images>", "</dataset>"];
        Assert.That(images, Is.GreaterThan(0));
    }

    [TearDown]
    public void DeleteCopies() => _temp.Dispose();

    private int LineOf(string fragment) => _lines.FindIndex(l => l.Contains(fragment)) + 1;

    private KeypointDataException ReadBroken(IEnumerable<string> lines)
    {
        var file = _temp.WriteLines("labels.xml", lines);
        return Assert.Throws<KeypointDataException>(() => IbugXmlReader.Read(file).ToList())!;
    }

    private List<string> Replace(string fragment, string replacement)
    {
        int index = LineOf(fragment) - 1;
        Assert.That(index, Is.GreaterThanOrEqualTo(0), fragment);
        var copy = new List<string>(_lines);
        copy[index] = copy[index].Replace(fragment, replacement);
        return copy;
    }

    [Test]
    public void UnbrokenCopy_Reads()
    {
        var file = _temp.WriteLines("labels.xml", _lines);
        Assert.That(IbugXmlReader.Read(file).Count(), Is.EqualTo(2));
    }

    [Test]
    public void MissingFile_IsNamed()
    {
        var e = Assert.Throws<KeypointDataException>(() => IbugXmlReader.Read(Path.Combine(_temp.Path, "gone.xml")))!;
        Assert.That(e.Message, Does.Contain("gone.xml").And.Contain("does not exist"));
    }

    [Test]
    public void Truncated_IsMalformedAtTheEnd()
    {
        int cut = LineOf("<part name='40'");
        var e = ReadBroken(_lines.Take(cut));
        Assert.That(e.Message, Does.Contain("labels.xml").And.Contain("malformed"));
        Assert.That(e.LineNumber, Is.GreaterThanOrEqualTo(cut));
        Assert.That(e.Message, Does.Contain($"line {e.LineNumber}"));
    }

    [Test]
    public void UnclosedTag_IsMalformed()
    {
        var broken = Replace("<part name='05'", "<part name='05' <");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("<part name='05'"));
        Assert.That(e.Message, Does.Contain("malformed"));
    }

    [Test]
    public void CoordinateThatIsNotANumber_NamesPartAndImage()
    {
        var broken = Replace("<part name='10' x='", "<part name='10' x='1o");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("<part name='10'"));
        Assert.That(e.Message, Does.Contain("part '10'").And.Contain("not a number").And.Contain(DataFixtures.FirstIbugImage));
    }

    [Test]
    public void MissingPart_IsAWrongPointCount()
    {
        int removed = LineOf("<part name='33'") - 1;
        var broken = _lines.Where((_, i) => i != removed).ToList();
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("<box "));
        Assert.That(e.Message, Does.Contain("67 parts, expected 68").And.Contain("missing: 33"));
    }

    [Test]
    public void ExtraPart_IsAWrongPointCount()
    {
        int after = LineOf("<part name='67'");
        var broken = new List<string>(_lines);
        broken.Insert(after, "      <part name='68' x='1' y='1'/>");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", after + 1);
        Assert.That(e.Message, Does.Contain("'68'").And.Contain("68 points"));
    }

    [Test]
    public void DuplicatePart_IsReported()
    {
        var broken = Replace("<part name='12'", "<part name='11'");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("<part name='12'"));
        Assert.That(e.Message, Does.Contain("appears twice"));
    }

    [Test]
    public void BoxOutsideTheImage_IsReportedOnTheBoxLine()
    {
        var broken = Replace("left='113'", "left='5000'");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("left='113'"));
        Assert.That(e.Message, Does.Contain("outside").And.Contain(DataFixtures.FirstIbugImage));
    }

    [Test]
    public void MissingImage_NamesTheEntry()
    {
        var broken = Replace("1051618982_1.jpg", "no_such_face.jpg");
        var e = ReadBroken(broken);
        DataFixtures.AssertNamesFileAndLine(e, "labels.xml", LineOf("1051618982_1.jpg"));
        Assert.That(e.Message, Does.Contain("no_such_face.jpg").And.Contain("does not exist"));
    }
}
