using System.Globalization;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Evaluation;

namespace KeypointML.Tooling.Report;

/// <summary>
/// The peers' predictions on the 300-W test XML (dlib, face-api; written by <c>../shared/peers/run_all.sh</c> into its
/// <c>out/</c> folder) as per-face NMEs through this project's error core, so the report's CED shows them beside the
/// shipped models. End-to-end files (several rows per image) are matched as <c>score.py --e2e</c> does.
/// </summary>
public static class PeerCurves
{
    /// <summary>Environment variable naming the peers' <c>out/</c> folder.</summary>
    public const string FolderVariable = "KEYPOINTML_PEERS_OUT";

    private static readonly (string File, string Name, bool EndToEnd)[] Known =
    [
        ("dlib_hogbox_labels_ibug_300W_test.csv", "dlib ERT (HOG-convention box)", false),
        ("dlib_e2e_labels_ibug_300W_test.csv", "dlib HOG detector + ERT (end to end)", true),
        ("faceapi_full_labels_ibug_300W_test.csv", "face-api landmark68", false),
        ("faceapi_tiny_labels_ibug_300W_test.csv", "face-api landmark68 tiny", false),
    ];

    /// <summary>The peers' out folder: <see cref="FolderVariable"/>, else the harness's default work copy, when it exists.</summary>
    public static string? DefaultFolder()
    {
        var configured = Environment.GetEnvironmentVariable(FolderVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return Directory.Exists(configured) ? configured : null;
        var cache = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "keypointml-peers", "out");
        return Directory.Exists(cache) ? cache : null;
    }

    /// <summary>(name, per-face NMEs with infinity for a missed face) of every known peer file in <paramref name="folder"/>.</summary>
    public static List<(string Name, IReadOnlyList<double> Nmes)> Read(string folder, IReadOnlyList<KeypointSample> test)
    {
        var result = new List<(string, IReadOnlyList<double>)>();
        var folderOfXml = KeypointDataPaths.Ibug;
        foreach (var (file, name, endToEnd) in Known)
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path)) continue;
            var rows = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
                .Select(f => (Image: Path.GetFullPath(Path.Combine(folderOfXml, f[0])), Points: f.Skip(1).Take(136).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()))
                .GroupBy(r => r.Image).ToDictionary(g => g.Key, g => g.Select(r => r.Points).ToList());
            var nmes = new List<double>();
            foreach (var face in test)
            {
                var truth = KeypointBoxes.Of(face.Keypoints);
                var candidates = rows.GetValueOrDefault(face.ImagePath) ?? [];
                var (best, iou) = KeypointBoxes.BestMatch(candidates, p => KeypointBoxes.Of(p), truth);
                bool matched = best is not null && (!endToEnd || iou >= EndToEndMeasurement.MatchIou);
                nmes.Add(matched ? KeypointErrors.NmeInterOcular(face.Keypoints, best!) : double.PositiveInfinity);
            }
            result.Add((name, nmes));
        }
        return result;
    }
}
