using KeypointML.Tests.Data;

namespace KeypointML.Tests.Cli;

public class FetchDataCommandTests
{
    [Test]
    public void UnreachableSite_IsOneLineError_Exit1_NothingLeft()
    {
        using var root = new TempFolder();
        // Port 9 (discard) on loopback is closed: the connection is refused as it is on a machine without network.
        var run = CliRun.Of("fetch-data", "--out", root.Path, "--url", "http://127.0.0.1:9/imm_face_db.zip");
        Assert.That(run.Code, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrLines, Has.Length.EqualTo(1));
        Assert.That(run.Err, Does.StartWith("keypointml: error: cannot reach 127.0.0.1").And.Contain("by hand"));
        Assert.That(Directory.GetFileSystemEntries(root.Path), Is.Empty, "no partial download or folder");
    }

    [Test]
    public void NotAnHttpAddress_IsOneLineError()
    {
        using var root = new TempFolder();
        var run = CliRun.Of("fetch-data", "--out", root.Path, "--url", "ftp://example.org/imm.zip");
        Assert.That(run.Code, Is.EqualTo(1), run.ToString());
        Assert.That(run.Err.Trim(), Is.EqualTo("keypointml: error: --url must be an http(s) address; got 'ftp://example.org/imm.zip'."));
    }
}
