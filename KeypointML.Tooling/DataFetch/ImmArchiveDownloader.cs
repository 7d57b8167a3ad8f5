using System.IO.Compression;
using System.Net.Sockets;

namespace KeypointML.Tooling.DataFetch;

/// <summary>
/// Downloads the IMM Face Database from its official site (DTU) and unpacks it as <c>imm_face_db/</c> under a data
/// root, the layout <see cref="KeypointML.Data.KeypointDataPaths"/> expects. Nothing is left half-written: the archive
/// goes to a temporary file and is unpacked into a temporary folder that is renamed only when complete.
/// </summary>
public sealed class ImmArchiveDownloader(HttpClient http)
{
    /// <summary>The official archive (240 images + .asf files).</summary>
    public static readonly Uri OfficialArchive = new("https://www2.imm.dtu.dk/~aam/datasets/imm_face_db.zip");

    /// <summary>Downloads and unpacks; returns the imm_face_db folder. Throws <see cref="DataFetchException"/> with a one-line reason.</summary>
    public async Task<string> FetchAsync(string dataRoot, Uri? source = null, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        source ??= OfficialArchive;
        string target = Path.Combine(dataRoot, KeypointML.Data.KeypointDataPaths.ImmFolder);
        if (Directory.Exists(target) && Directory.EnumerateFiles(target, "*.asf").Any())
            return target;
        Directory.CreateDirectory(dataRoot);
        string zip = Path.Combine(dataRoot, $".imm_face_db.{Environment.ProcessId}.zip.tmp");
        string staging = Path.Combine(dataRoot, $".imm_face_db.{Environment.ProcessId}.tmp");
        try
        {
            await DownloadAsync(source, zip, progress, ct);
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            try { ZipFile.ExtractToDirectory(zip, staging); }
            catch (InvalidDataException e) { throw new DataFetchException($"{source} did not return a zip archive: {e.Message}"); }
            // The archive may hold the files at its top level or inside one folder.
            string content = Directory.EnumerateFiles(staging, "*.asf", SearchOption.AllDirectories).Select(Path.GetDirectoryName).FirstOrDefault()
                ?? throw new DataFetchException($"{source}: the archive holds no .asf files; is it the IMM Face Database?");
            Directory.Move(content!, target);
            return target;
        }
        finally
        {
            if (File.Exists(zip)) File.Delete(zip);
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
    }

    private async Task DownloadAsync(Uri source, string destination, IProgress<double>? progress, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
                throw new DataFetchException($"{source} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            long? total = response.Content.Headers.ContentLength;
            await using var input = await response.Content.ReadAsStreamAsync(ct);
            await using var output = File.Create(destination);
            var buffer = new byte[1 << 16];
            long done = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, ct)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                done += read;
                if (total > 0) progress?.Report((double)done / total.Value);
            }
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError)
        {
            throw new DataFetchException($"cannot reach {source.Host} ({e.Message}); this machine has no network access to it. " +
                $"Download {source} by hand, unzip it into <data>/{KeypointML.Data.KeypointDataPaths.ImmFolder}/ and set {KeypointML.Data.KeypointDataPaths.EnvironmentVariable}=<data>.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DataFetchException($"timed out downloading {source}; check the network, or download it by hand.");
        }
    }
}

/// <summary>A data download failed for a reason the user can act on; the message is one line.</summary>
public sealed class DataFetchException(string message) : Exception(message);
