using System.IO.Compression;
using System.Net;
using KeypointML.Tooling.DataFetch;

namespace KeypointML.Tests.DataFetch;

public class ImmArchiveDownloaderTests
{
    private string _root = "";

    [SetUp] public void SetUp() => _root = Directory.CreateTempSubdirectory("kp-fetch-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_root, true);

    /// <summary>Serves fixed bytes for any request, as the official site would serve the archive.</summary>
    private sealed class FixedResponse(HttpStatusCode status, byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new ByteArrayContent(body) });
    }

    private static byte[] ZipWith(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in entries)
                using (var w = new StreamWriter(zip.CreateEntry(name).Open())) w.Write(text);
        return ms.ToArray();
    }

    [Test]
    public async Task Archive_WithFolderInside_IsUnpackedAsImmFaceDb()
    {
        var zip = ZipWith(("imm_face_db/01-1m.asf", "asf"), ("imm_face_db/01-1m.jpg", "jpg"));
        var folder = await new ImmArchiveDownloader(new HttpClient(new FixedResponse(HttpStatusCode.OK, zip))).FetchAsync(_root);
        Assert.That(folder, Is.EqualTo(Path.Combine(_root, "imm_face_db")));
        Assert.That(File.ReadAllText(Path.Combine(folder, "01-1m.asf")), Is.EqualTo("asf"));
        Assert.That(Directory.GetFileSystemEntries(_root), Has.Length.EqualTo(1), "no temporary files are left behind");
    }

    [Test]
    public void NotAZip_GivesOneLineError_AndLeavesNothing()
    {
        var http = new HttpClient(new FixedResponse(HttpStatusCode.OK, "<html>moved</html>"u8.ToArray()));
        var e = Assert.ThrowsAsync<DataFetchException>(() => new ImmArchiveDownloader(http).FetchAsync(_root));
        Assert.That(e!.Message, Does.Contain("did not return a zip archive").And.Not.Contain("\n"));
        Assert.That(Directory.GetFileSystemEntries(_root), Is.Empty);
    }

    [Test]
    public void HttpError_NamesTheStatus()
    {
        var http = new HttpClient(new FixedResponse(HttpStatusCode.NotFound, []));
        var e = Assert.ThrowsAsync<DataFetchException>(() => new ImmArchiveDownloader(http).FetchAsync(_root));
        Assert.That(e!.Message, Does.Contain("404"));
    }

    [Test]
    public void NoNetwork_SaysSoAndHowToGetTheDataByHand()
    {
        // Port 9 (discard) on loopback is closed here: the connection is refused as it would be without network.
        var e = Assert.ThrowsAsync<DataFetchException>(() =>
            new ImmArchiveDownloader(new HttpClient()).FetchAsync(_root, new Uri("http://127.0.0.1:9/imm_face_db.zip")));
        Assert.That(e!.Message, Does.Contain("cannot reach").And.Contain("KEYPOINTML_DATA"));
    }
}
