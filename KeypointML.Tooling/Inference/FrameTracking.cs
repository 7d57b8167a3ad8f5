using System.Diagnostics;
using System.Globalization;
using System.Text;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;
using KeypointML.Tooling.Files;
using KeypointML.Tracking;

namespace KeypointML.Tooling.Inference;

/// <summary>What <see cref="FrameTracking.Run"/> did: frames read and skipped, detector runs, time per frame.</summary>
public sealed record TrackingSummary(int Frames, int Skipped, int DetectorRuns, int Rows, double MsPerFrame, IReadOnlyList<string> Problems);

/// <summary>
/// <c>keypointml predict --track</c>: a folder of frames in name order through one <see cref="FaceTracker"/>, one CSV row
/// per face per frame (frame index, time, face id, points). A frame that cannot be read is reported with its index and
/// skipped; the stream goes on (its time still passes).
/// </summary>
public static class FrameTracking
{
    /// <summary>The frame files of a folder (.jpg, .jpeg, .png, .bmp), in ordinal name order.</summary>
    public static List<string> Frames(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder of frames.");
        return [.. Directory.EnumerateFiles(folder).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp")
            .Order(StringComparer.Ordinal)];
    }

    public static TrackingSummary Run(string modelPath, string detectorPath, IReadOnlyList<string> frames, double fps, string csv,
        FaceEngineOptions engineOptions, FaceTrackerOptions options, int? threads = null, Action<int>? progress = null)
    {
        if (!(fps > 0)) throw new ArgumentException($"--fps must be positive; got {fps}.");
        var sessions = new KeypointModelOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads };
        using var detector = FaceDetectors.Open(detectorPath, sessions);
        using var landmarks = KeypointModel.Open(modelPath, sessions);
        var tracker = new FaceTracker(new FaceEngine(detector, landmarks, engineOptions), options);
        var ic = CultureInfo.InvariantCulture;
        int k = landmarks.Metadata.KeypointCount;
        var text = new StringBuilder("frame,time,face");
        for (int i = 0; i < k; i++) text.Append(",x").Append(i.ToString(ic)).Append(",y").Append(i.ToString(ic));
        text.Append(",found\n");
        var problems = new List<string>();
        int rows = 0;
        double ms = 0;
        for (int f = 0; f < frames.Count; f++)
        {
            double time = f / fps;
            DecodedPixels pixels;
            try { pixels = ImageFileReader.ReadPixels(frames[f], static (_, _) => 1); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
            {
                problems.Add($"frame {f} ({Path.GetFileName(frames[f])}): {e.Message}; skipped");
                continue;
            }
            using (pixels)
            {
                long start = Stopwatch.GetTimestamp();
                var faces = tracker.Track(pixels.Image, time);
                ms += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                foreach (var face in faces)
                {
                    text.Append(f.ToString(ic)).Append(',').Append(time.ToString("0.####", ic)).Append(',').Append(face.Id.ToString(ic));
                    foreach (var v in face.Keypoints) text.Append(',').Append(v.ToString(ic));
                    text.Append(',').Append(face.Found ? '1' : '0').Append('\n');
                    rows++;
                }
            }
            progress?.Invoke(f + 1);
        }
        AtomicFile.WriteAllText(csv, text.ToString());
        int read = frames.Count - problems.Count;
        return new TrackingSummary(read, problems.Count, tracker.DetectorRuns, rows, read == 0 ? 0 : ms / read, problems);
    }
}
