using System.Diagnostics;
using System.Globalization;
using System.Text;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Models;
using KeypointML.Tooling.Files;
using KeypointML.Tooling.Plots;
using KeypointML.Tooling.Video;
using KeypointML.Tracking;

namespace KeypointML.Tooling.Inference;

/// <summary>What <see cref="FrameTracking.Run"/> did: frames read and skipped, detector runs, time per frame.</summary>
public sealed record TrackingSummary(int Frames, int Skipped, int DetectorRuns, int Rows, double MsPerFrame, IReadOnlyList<string> Problems);

/// <summary>
/// <c>keypointml predict --track</c>: the frames of a folder (name order) or a video file through one
/// <see cref="FaceTracker"/>, one CSV row per face per frame (frame index, time, face id, points), and with an overlay
/// folder a picture per frame. A frame that cannot be read is reported with its index and skipped; the stream goes on.
/// </summary>
public static class FrameTracking
{
    /// <param name="smallFaceModel">The <c>--small-face-model</c> value (<see cref="ModelsFolder.ResolveSmallFaceModel"/>; null = none).</param>
    public static TrackingSummary Run(string modelPath, string detectorPath, string? smallFaceModel, IFrameSource frames, string csv,
        FaceEngineOptions engineOptions, FaceTrackerOptions options, int? threads = null, Action<int>? progress = null, string? overlays = null)
    {
        var sessions = new KeypointModelOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads };
        using var detector = FaceDetectors.Open(detectorPath, sessions);
        using var landmarks = KeypointModel.Open(modelPath, sessions);
        using var small = ModelsFolder.ResolveSmallFaceModel(smallFaceModel, landmarks.Metadata.KeypointCount) is string smallPath ? KeypointModel.Open(smallPath, sessions) : null;
        var tracker = new FaceTracker(new FaceEngine(detector, landmarks, engineOptions, small), options);
        var ic = CultureInfo.InvariantCulture;
        int k = landmarks.Metadata.KeypointCount;
        var text = new StringBuilder("frame,time,face");
        for (int i = 0; i < k; i++) text.Append(",x").Append(i.ToString(ic)).Append(",y").Append(i.ToString(ic));
        text.Append(",found\n");
        var problems = new List<string>();
        int rows = 0, read = 0;
        double ms = 0;
        if (overlays is not null) Directory.CreateDirectory(overlays);
        frames.Read((index, time, pixels) =>
        {
            long start = Stopwatch.GetTimestamp();
            var faces = tracker.Track(pixels, time);
            ms += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            read++;
            foreach (var face in faces)
            {
                text.Append(index.ToString(ic)).Append(',').Append(time.ToString("0.####", ic)).Append(',').Append(face.Id.ToString(ic));
                foreach (var v in face.Keypoints) text.Append(',').Append(v.ToString(ic));
                text.Append(',').Append(face.Found ? '1' : '0').Append('\n');
                rows++;
            }
            if (overlays is not null) TrackOverlays.Write(Path.Combine(overlays, TrackOverlays.FileName(index)), pixels, faces);
            progress?.Invoke(index + 1);
        }, (index, problem) => problems.Add($"frame {index}: {problem}; skipped"));
        AtomicFile.WriteAllText(csv, text.ToString());
        return new TrackingSummary(read, problems.Count, tracker.DetectorRuns, rows, read == 0 ? 0 : ms / read, problems);
    }
}
