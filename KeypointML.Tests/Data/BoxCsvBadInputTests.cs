using KeypointML.Data;

namespace KeypointML.Tests.Data;

/// <summary>Broken box CSV files in a temporary folder: each error names the file, the line and the image.</summary>
public class BoxCsvBadInputTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void CopyImage()
    {
        _temp = new TempFolder();
        _temp.Copy(DataFixtures.ImmJpg("01-1m"), "face.jpg");
    }

    [TearDown]
    public void DeleteCopies() => _temp.Dispose();

    private KeypointDataException ReadBroken(string badRow)
    {
        var file = _temp.WriteLines("boxes.csv", ["image,left,top,width,height", "face.jpg,10,10,100,100", badRow]);
        return Assert.Throws<KeypointDataException>(() => BoxCsvReader.Read(file).ToList())!;
    }

    [Test]
    public void BoxOutsideTheImage_IsRejected()
    {
        var e = ReadBroken("face.jpg,700,10,100,100");
        DataFixtures.AssertNamesFileAndLine(e, "boxes.csv", 3);
        Assert.That(e.Message, Does.Contain("outside the 640x480 image").And.Contain("face.jpg"));
    }

    [Test]
    public void BoxWithoutSize_IsRejected()
    {
        var e = ReadBroken("face.jpg,10,10,0,100");
        DataFixtures.AssertNamesFileAndLine(e, "boxes.csv", 3);
        Assert.That(e.Message, Does.Contain("no positive size"));
    }

    [Test]
    public void ValueThatIsNotANumber_IsQuoted()
    {
        var e = ReadBroken("face.jpg,10,ten,100,100");
        DataFixtures.AssertNamesFileAndLine(e, "boxes.csv", 3);
        Assert.That(e.Message, Does.Contain("top 'ten'"));
    }

    [Test]
    public void WrongFieldCount_IsReported()
    {
        var e = ReadBroken("face.jpg,10,10,100");
        DataFixtures.AssertNamesFileAndLine(e, "boxes.csv", 3);
        Assert.That(e.Message, Does.Contain("found 4"));
    }

    [Test]
    public void MissingImage_IsNamed()
    {
        var e = ReadBroken("other.jpg,10,10,100,100");
        DataFixtures.AssertNamesFileAndLine(e, "boxes.csv", 3);
        Assert.That(e.Message, Does.Contain("other.jpg").And.Contain("does not exist"));
    }
}
