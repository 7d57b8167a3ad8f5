using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tracking;

namespace KeypointML.Tests.Tracking;

/// <summary>The One Euro filter by hand, and the tracker on frames made from a real photo moved by a known amount.</summary>
public class FaceTrackerTests
{
    [Test]
    public void The_one_euro_filter_passes_the_first_sample_and_smooths_a_step_by_its_cutoff()
    {
        var filter = new OneEuroFilter(minCutoff: 1f, beta: 0f);
        Assert.That(filter.Filter(10f, 0), Is.EqualTo(10f));
        // A step of 10 at 30 Hz: alpha = 1 / (1 + tau / dt), tau = 1 / (2 pi 1 Hz).
        float alpha = 1f / (1f + (1f / (2 * MathF.PI)) / (1f / 30));
        Assert.That(filter.Filter(20f, 1 / 30.0), Is.EqualTo(10f + alpha * 10f).Within(1e-4));
        // With beta the cutoff rises with speed: the same step is followed more closely.
        var fast = new OneEuroFilter(minCutoff: 1f, beta: 1f);
        fast.Filter(10f, 0);
        Assert.That(fast.Filter(20f, 1 / 30.0), Is.GreaterThan(10f + alpha * 10f));
    }

    // Frames of a real photo shifted right by `step` pixels per frame (edges filled black), as BGRA.
    private static byte[] Shifted(ReadOnlySpan<byte> bgra, int w, int h, int shift)
    {
        var frame = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = Math.Max(0, shift); x < w; x++)
                if (x - shift < w) bgra.Slice((y * w + x - shift) * 4, 4).CopyTo(frame.AsSpan((y * w + x) * 4));
        return frame;
    }

    [Test]
    public void Follows_a_moving_face_with_one_identity_and_the_detector_every_tenth_frame()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        using var landmarks = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        var engine = new FaceEngine(detector, landmarks);
        var tracker = new FaceTracker(engine, new FaceTrackerOptions { MinCutoff = float.PositiveInfinity });
        using var photo = ImageFileReader.ReadPixels(DataFixtures.ImmJpg("02-1m"), static (_, _) => 1);
        int w = photo.Width, h = photo.Height;
        var first = engine.Run(photo.Image).Single().Keypoints;
        for (int f = 0; f < 20; f++)
        {
            var frame = Shifted(photo.Span, w, h, 2 * f);
            var faces = tracker.Track(new ImagePixels(frame, w, h, PixelFormat.Bgra32), f / 30.0);
            Assert.That(faces, Has.Count.EqualTo(1), $"frame {f}");
            Assert.That(faces[0].Id, Is.EqualTo(0), "one identity throughout");
            // The nose tip moved with the picture (within 3 px of the first frame's, shifted).
            Assert.That(faces[0].Keypoints[60], Is.EqualTo(first[60] + 2 * f).Within(3), $"frame {f}");
            Assert.That(faces[0].Keypoints[61], Is.EqualTo(first[61]).Within(3), $"frame {f}");
        }
        Assert.That(tracker.DetectorRuns, Is.EqualTo(2), "frames 0 and 10");
    }

    [Test]
    public void A_face_that_leaves_is_dropped_and_one_that_comes_back_gets_a_new_identity()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var detector = YuNetDetector.Open(RepositoryFiles.Model("yunet"));
        using var landmarks = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        var tracker = new FaceTracker(new FaceEngine(detector, landmarks));
        using var photo = ImageFileReader.ReadPixels(DataFixtures.ImmJpg("02-1m"), static (_, _) => 1);
        int w = photo.Width, h = photo.Height;
        var empty = new byte[w * h * 4];
        Assert.That(tracker.Track(new ImagePixels(photo.Span, w, h, PixelFormat.Bgra32), 0).Single().Id, Is.EqualTo(0));
        Assert.That(tracker.Track(new ImagePixels(empty, w, h, PixelFormat.Bgra32), 1 / 30.0), Is.Empty);
        Assert.That(tracker.Track(new ImagePixels(photo.Span, w, h, PixelFormat.Bgra32), 2 / 30.0).Single().Id, Is.EqualTo(1));
    }
}
