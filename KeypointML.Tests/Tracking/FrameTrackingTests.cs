using System.Diagnostics;
using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Video;
using KeypointML.Tracking;
using SkiaSharp;

namespace KeypointML.Tests.Tracking;

/// <summary><c>predict --track</c>'s loop over a folder of frames and over a video file: a broken frame is reported with its
/// index and skipped; a video gives the same points as its frames; overlays come one per frame.</summary>
public class FrameTrackingTests
{
    [Test]
    public void A_broken_frame_is_named_by_its_index_and_skipped_and_the_others_are_tracked()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var folder = new TempFolder();
        var frames = Path.Combine(folder.Path, "frames");
        Directory.CreateDirectory(frames);
        for (int i = 0; i < 4; i++) File.Copy(DataFixtures.ImmJpg("03-1m"), Path.Combine(frames, $"frame_{i:D4}.jpg"));
        File.WriteAllBytes(Path.Combine(frames, "frame_0002.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 0x01]);   // a broken JPEG
        var csv = Path.Combine(folder.Path, "tracks.csv");
        var summary = Track(new FrameFolder(frames, 30), csv);
        Assert.That(summary.Frames, Is.EqualTo(3));
        Assert.That(summary.Skipped, Is.EqualTo(1));
        Assert.That(summary.Problems.Single(), Does.StartWith("frame 2: frame_0002.jpg:").And.Contain("skipped"));
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.That(rows.Select(r => r[0]), Is.EqualTo(new[] { "0", "1", "3" }), "one face per readable frame, indices kept");
        Assert.That(rows.Select(r => r[2]).Distinct(), Is.EqualTo(new[] { "0" }), "one identity throughout");
        Assert.That(rows[2][1], Is.EqualTo("0.1"), "the frame's time: 3 / 30 s");
    }

    [Test]
    public void A_video_file_gives_the_points_of_its_frames_at_its_own_frame_rate_and_an_overlay_per_frame()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var folder = new TempFolder();
        // Eight frames of an IMM photo moving 6 px right per frame, as PNG, and the same frames as a lossless video (FFV1,
        // BGR) at 10 frames per second: both decode to the same pixels, so the tracker must give the same rows.
        var frames = Path.Combine(folder.Path, "frames");
        Directory.CreateDirectory(frames);
        using (var photo = SKBitmap.Decode(DataFixtures.ImmJpg("03-1m")))
            for (int i = 0; i < 8; i++)
            {
                using var frame = new SKBitmap(photo.Width, photo.Height, SKColorType.Bgra8888, SKAlphaType.Opaque);
                using (var canvas = new SKCanvas(frame)) { canvas.Clear(SKColors.Gray); canvas.DrawBitmap(photo, 6 * i, 0); }
                using var png = SKImage.FromBitmap(frame).Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(frames, $"f{i:D2}.png"), png.ToArray());
            }
        var video = Path.Combine(folder.Path, "clip.mkv");
        Ffmpeg($"-v error -framerate 10 -i {frames}/f%02d.png -c:v ffv1 -pix_fmt bgr0 {video}");

        var source = new VideoFile(video);
        Assert.That((source.Width, source.Height, source.Fps, source.ExpectedFrames), Is.EqualTo((640, 480, 10.0, 8)));
        var overlays = Path.Combine(folder.Path, "overlays");
        var fromVideo = Path.Combine(folder.Path, "video.csv");
        var fromFrames = Path.Combine(folder.Path, "frames.csv");
        var summary = Track(source, fromVideo, overlays);
        Track(new FrameFolder(frames, 10), fromFrames);

        Assert.That(summary.Frames, Is.EqualTo(8));
        Assert.That(summary.Skipped, Is.Zero);
        var rows = File.ReadAllLines(fromVideo);
        Assert.That(rows, Has.Length.EqualTo(9), "a header and one face per frame");
        Assert.That(rows, Is.EqualTo(File.ReadAllLines(fromFrames)), "the video's frames are the folder's frames");
        Assert.That(rows[8].Split(',')[1], Is.EqualTo("0.7"), "frame 7 at 7 / 10 s");
        // The face moved 6 px per frame: its tracked nose tip (point 30) follows within a pixel per frame on average.
        var nose = rows.Skip(1).Select(r => float.Parse(r.Split(',')[3 + 60], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That((nose[^1] - nose[0]) / 7, Is.EqualTo(6).Within(1));
        var pictures = Directory.GetFiles(overlays).Select(p => Path.GetFileName(p)).Order().ToArray();
        Assert.That(pictures, Is.EqualTo(Enumerable.Range(0, 8).Select(i => $"frame_{i:D6}.png")));
        using var first = SKBitmap.Decode(Path.Combine(overlays, pictures[0]));
        Assert.That((first.Width, first.Height), Is.EqualTo((640, 480)));

        // A phone's portrait video: the same stream with the container's rotation; frames come out turned, 480 x 640.
        var landscape = Path.Combine(folder.Path, "landscape.mp4");
        var rotated = Path.Combine(folder.Path, "portrait.mp4");
        Ffmpeg($"-v error -i {video} -c:v libx264 -pix_fmt yuv420p {landscape}");
        Ffmpeg($"-v error -i {landscape} -c copy -metadata:s:v:0 rotate=90 {rotated}");
        var portrait = new VideoFile(rotated);
        Assert.That((portrait.Width, portrait.Height), Is.EqualTo((480, 640)));
        var sizes = new List<(int, int)>();
        portrait.Read((_, _, frame) => sizes.Add((frame.Width, frame.Height)), (i, problem) => Assert.Fail($"frame {i}: {problem}"));
        Assert.That(sizes, Is.EqualTo(Enumerable.Repeat((480, 640), 8)));
    }

    [Test]
    public void A_file_that_is_not_a_video_is_named_with_the_cause()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "notes.mp4");
        File.WriteAllText(path, "not a video");
        var error = Assert.Throws<InvalidDataException>(() => new VideoFile(path))!;
        Assert.That(error.Message, Does.StartWith(path + ":").And.Contain("ffmpeg"));
        Assert.Throws<FileNotFoundException>(() => FrameSources.Open(Path.Combine(folder.Path, "missing.mp4"), 30));
    }

    private static TrackingSummary Track(IFrameSource frames, string csv, string? overlays = null) =>
        FrameTracking.Run(RepositoryFiles.Model("ibug68-fast"), RepositoryFiles.Model("yunet"), null, frames, csv,
            new KeypointML.Engine.FaceEngineOptions(), new FaceTrackerOptions(), overlays: overlays);

    private static void Ffmpeg(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("ffmpeg did not start");
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, errors);
    }
}
