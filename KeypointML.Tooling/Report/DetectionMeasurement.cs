using System.Diagnostics;
using System.Globalization;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Imaging;

namespace KeypointML.Tooling.Report;

/// <summary>One detector's recall by face width on a WIDER-format labelled photo set, and its false detections.</summary>
public sealed record DetectionResult(string Detector, string Data, int Photos, IReadOnlyList<(string Bucket, int Faces, int Found)> ByWidth,
    double Recall40, double Recall20, int FalseDetections, double MsPerPhoto, string? Problem = null)
{
    public double FalsePerPhoto => Photos == 0 ? 0 : (double)FalseDetections / Photos;
}

/// <summary>
/// Photos with every face boxed (WIDER FACE format: path; count; "x y w h blur expression illumination invalid occlusion
/// pose" per face) scored as <c>../shared/peers/score_faces.py</c> scores them: a labelled face is found when a detection
/// overlaps it with IoU >= 0.3 (greedy one-to-one, best pairs first); recall by labelled width, invalid faces left out; a
/// detection overlapping no labelled face (invalid ones included) is a false detection. Also scores another detector's
/// CSV (dlib's, from the peers' <c>run_faces.sh</c>).
/// </summary>
public static class DetectionMeasurement
{
    /// <summary>The labelled photo set beside the data: <c>KEYPOINTML_DATA/wider_face_dev</c>.</summary>
    public static string? DefaultSet() =>
        KeypointDataPaths.TryFindRoot() is { } root && File.Exists(Path.Combine(root, "wider_face_dev", "labels.txt")) ? Path.Combine(root, "wider_face_dev") : null;

    private static readonly (string Name, float From, float To)[] Buckets = [("0-20", 0, 20), ("20-40", 20, 40), ("40-80", 40, 80), ("80-160", 80, 160), ("160-", 160, float.MaxValue)];
    private const float MatchIou = 0.3f;

    /// <summary>The labels: image path (relative to <c>images/</c>) -> boxes and whether each is marked invalid.</summary>
    public static Dictionary<string, List<(float[] Box, bool Invalid)>> ReadLabels(string labelsFile)
    {
        var lines = File.ReadAllLines(labelsFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var result = new Dictionary<string, List<(float[], bool)>>();
        for (int i = 0; i < lines.Count;)
        {
            string name = lines[i].Replace('\\', '/');
            if (!int.TryParse(lines[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                throw new InvalidDataException($"{labelsFile}: line {i + 2}: expected the face count of '{name}', got '{lines[i + 1]}'.");
            i += 2;
            var boxes = new List<(float[], bool)>();
            for (int k = 0; k < Math.Max(n, 1); k++, i++)
            {
                var v = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var box = v.Take(4).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                if (box[2] > 0 && box[3] > 0) boxes.Add((box, v.Length > 7 && v[7] == "1"));
            }
            result[name] = boxes;
        }
        return result;
    }

    /// <summary>Scores detections (image name relative to <c>images/</c> -> boxes) against the labels.</summary>
    public static DetectionResult Score(string detector, string data, Dictionary<string, List<(float[] Box, bool Invalid)>> labels,
        Dictionary<string, List<float[]>> detections, double msPerPhoto)
    {
        var faces = new int[Buckets.Length];
        var found = new int[Buckets.Length];
        int falseDetections = 0;
        foreach (var (image, truth) in labels)
        {
            var boxes = detections.GetValueOrDefault(image) ?? [];
            var pairs = new List<(float Iou, int Truth, int Box)>();
            for (int t = 0; t < truth.Count; t++)
                for (int b = 0; b < boxes.Count; b++)
                    if (KeypointBoxes.Iou(truth[t].Box, boxes[b]) is var iou && iou >= MatchIou) pairs.Add((iou, t, b));
            var matchedTruth = new HashSet<int>();
            var matchedBox = new HashSet<int>();
            foreach (var (_, t, b) in pairs.OrderByDescending(p => p.Iou))
                if (!matchedTruth.Contains(t) && !matchedBox.Contains(b)) { matchedTruth.Add(t); matchedBox.Add(b); }
            for (int t = 0; t < truth.Count; t++)
            {
                if (truth[t].Invalid) continue;
                int bucket = Array.FindIndex(Buckets, k => truth[t].Box[2] >= k.From && truth[t].Box[2] < k.To);
                faces[bucket]++;
                if (matchedTruth.Contains(t)) found[bucket]++;
            }
            falseDetections += boxes.Count(b => truth.TrueForAll(t => KeypointBoxes.Iou(t.Box, b) < MatchIou));
        }
        double Recall(int from) => 100.0 * found.Skip(from).Sum() / Math.Max(1, faces.Skip(from).Sum());
        return new DetectionResult(detector, data, labels.Count, [.. Buckets.Select((k, i) => (k.Name, faces[i], found[i]))], Recall(2), Recall(1), falseDetections, msPerPhoto);
    }

    /// <summary>The detector at its defaults on every labelled photo of <paramref name="set"/> (a folder with
    /// <c>labels.txt</c> and <c>images/</c>).</summary>
    public static DetectionResult Measure(string detectorPath, string set)
    {
        string name = Path.GetFileNameWithoutExtension(detectorPath), data = Path.GetFileName(set);
        try
        {
            var labels = ReadLabels(Path.Combine(set, "labels.txt"));
            using var detector = FaceDetectors.Open(detectorPath);
            var detections = new Dictionary<string, List<float[]>>();
            var clock = Stopwatch.StartNew();
            foreach (var image in labels.Keys)
            {
                using var pixels = ImageFileReader.ReadPixels(Path.Combine(set, "images", image), static (_, _) => 1);
                detections[image] = [.. detector.Detect(pixels.Image).Select(f => f.Box)];
            }
            return Score(name, data, labels, detections, clock.Elapsed.TotalMilliseconds / Math.Max(1, labels.Count));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            return new DetectionResult(name, data, 0, [], 0, 0, 0, 0, e.Message);
        }
    }

    /// <summary>dlib's detections from the peers' <c>run_faces.sh</c> (<c>out/faces_dlib.csv</c>: image,...,left,top,width,height), scored the same way.</summary>
    public static DetectionResult? PeerFile(string csv, string set)
    {
        if (!File.Exists(csv)) return null;
        var labels = ReadLabels(Path.Combine(set, "labels.txt"));
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        int image = Array.IndexOf(header, "image"), left = Array.IndexOf(header, "left");
        if (image < 0 || left < 0) return null;
        var detections = new Dictionary<string, List<float[]>>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var v = line.Split(',');
            var key = labels.Keys.FirstOrDefault(k => v[image].Replace('\\', '/').EndsWith(k, StringComparison.Ordinal));
            if (key is null) continue;
            if (!detections.TryGetValue(key, out var list)) detections[key] = list = [];
            list.Add([.. v.Skip(left).Take(4).Select(s => float.Parse(s, CultureInfo.InvariantCulture))]);
        }
        return Score("dlib 19.24 HOG (run_faces.sh)", Path.GetFileName(set), labels, detections, double.NaN);
    }
}
