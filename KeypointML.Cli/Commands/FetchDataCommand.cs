using System.CommandLine;
using KeypointML.Data;
using KeypointML.Tooling.DataFetch;

namespace KeypointML.Cli;

/// <summary><c>keypointml fetch-data [--out DIR] [--url URL]</c>: downloads the IMM Face Database into a data root.</summary>
public sealed class FetchDataCommand : ICliCommand
{
    /// <summary>The data root used when neither --out nor KEYPOINTML_DATA is given.</summary>
    public const string DefaultFolder = "data";

    public static Command Create()
    {
        var output = new Option<string?>("--out", "-o") { Description = $"Data root to fill (imm_face_db/ goes inside); default ${KeypointDataPaths.EnvironmentVariable}, else ./{DefaultFolder}." };
        var url = new Option<string?>("--url") { Description = $"Where to download the archive from (a mirror); default {ImmArchiveDownloader.OfficialArchive}." };
        var command = new Command("fetch-data", "Download the IMM Face Database (240 images, 58 points) from its official site and unpack it as imm_face_db/. iBUG 300-W must be requested from its site.")
        {
            output, url,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var configured = Environment.GetEnvironmentVariable(KeypointDataPaths.EnvironmentVariable);
            var root = Path.GetFullPath(parse.GetValue(output) ?? (string.IsNullOrWhiteSpace(configured) ? DefaultFolder : configured));
            var source = ImmArchiveDownloader.OfficialArchive;
            if (parse.GetValue(url) is string given)
            {
                if (!Uri.TryCreate(given, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                    throw new ArgumentException($"--url must be an http(s) address; got '{given}'.");
                source = parsed;
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            var downloader = new ImmArchiveDownloader(http);
            CliApp.Out.WriteLine($"downloading {source} into {root}");
            var folder = ConsoleProgress.Run("downloading", 1.0, set =>
                downloader.FetchAsync(root, source, new Progress<double>(set)).GetAwaiter().GetResult());
            CliApp.Out.WriteLine($"IMM Face Database in {folder} ({Directory.EnumerateFiles(folder, "*.asf").Count()} .asf files)");
            if (!string.Equals(KeypointDataPaths.TryFindRoot(), root, StringComparison.Ordinal))
                CliApp.Out.WriteLine($"set {KeypointDataPaths.EnvironmentVariable}={root} so that the other verbs find it");
            return 0;
        }));
        return command;
    }
}
