using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Tracking;

namespace KeypointML.Tests.Tracking;

/// <summary><c>predict --track</c>'s loop: a broken frame is reported with its index and skipped; the stream goes on.</summary>
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
        var summary = FrameTracking.Run(RepositoryFiles.Model("ibug68-fast"), RepositoryFiles.Model("yunet"), FrameTracking.Frames(frames), 30, csv, new KeypointML.Engine.FaceEngineOptions(), new FaceTrackerOptions());
        Assert.That(summary.Frames, Is.EqualTo(3));
        Assert.That(summary.Skipped, Is.EqualTo(1));
        Assert.That(summary.Problems.Single(), Does.StartWith("frame 2 (frame_0002.jpg):").And.Contain("skipped"));
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.That(rows.Select(r => r[0]), Is.EqualTo(new[] { "0", "1", "3" }), "one face per readable frame, indices kept");
        Assert.That(rows.Select(r => r[2]).Distinct(), Is.EqualTo(new[] { "0" }), "one identity throughout");
        Assert.That(rows[2][1], Is.EqualTo("0.1"), "the frame's time: 3 / 30 s");
    }
}
