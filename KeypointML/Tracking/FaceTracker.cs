using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;

namespace KeypointML.Tracking;

/// <summary>One face in one frame of a stream.</summary>
/// <param name="Id">The face's identity, kept while it is followed (new faces get the next number).</param>
/// <param name="Keypoints">The points smoothed by the One Euro filter (x0, y0, ... in the frame's pixels).</param>
/// <param name="RawKeypoints">The landmark model's points in this frame, unsmoothed.</param>
/// <param name="Confidence">Per-point confidence.</param>
/// <param name="Region">The crop the points came from (the 300-W box in the face's frame, and its roll).</param>
/// <param name="Found">True in the frame the detector found the face (a new identity), false while it is followed.</param>
public sealed record TrackedFace(int Id, float[] Keypoints, float[] RawKeypoints, float[] Confidence, FaceRegion Region, bool Found);

/// <summary>
/// Follows faces through consecutive frames of one stream, as MediaPipe's face landmarker does: each face's next crop is
/// taken from its last points (roll included), so the detector runs only every <see cref="FaceTrackerOptions.DetectEvery"/>
/// frames (for faces that entered) or when a face is lost; identities are kept while a face is followed; points are
/// smoothed by a One Euro filter per coordinate.
/// </summary>
/// <remarks>Not thread-safe: one tracker per stream (the engine under it may be shared by many trackers). Frames must come
/// in order with rising time stamps.</remarks>
public sealed class FaceTracker
{
    private readonly FaceEngine _engine;
    private readonly List<FollowedFace> _tracks = [];
    private int _nextId, _frame;

    /// <summary>A tracker over <paramref name="engine"/> (which needs a landmark model).</summary>
    public FaceTracker(FaceEngine engine, FaceTrackerOptions? options = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        if (engine.Landmarks is null) throw new ArgumentException("A tracker follows faces by their points: the engine needs a landmark model.", nameof(engine));
        if (engine.Detector is null) throw new ArgumentException("A tracker finds faces that enter: the engine needs a face detector.", nameof(engine));
        Options = options ?? new FaceTrackerOptions();
        Options.Validate();
    }

    /// <summary>The settings.</summary>
    public FaceTrackerOptions Options { get; }
    /// <summary>Frames seen so far.</summary>
    public int Frames => _frame;
    /// <summary>How many of them ran the detector.</summary>
    public int DetectorRuns { get; private set; }

    /// <summary>The faces in the next frame, taken at <paramref name="time"/> seconds.</summary>
    public IReadOnlyList<TrackedFace> Track(ImagePixels frame, double time)
    {
        var source = FaceTensorSampler.SourcePixels.Of(frame);
        bool lost = false;
        // Follow: each face's crop from its last points, all faces in one batch.
        if (_tracks.Count > 0)
        {
            var regions = _tracks.Select(t => t.NextRegion(_engine, time)).ToList();
            var points = _engine.Points(source, regions);
            for (int i = _tracks.Count - 1; i >= 0; i--)
            {
                if (!Usable(points[i], frame)) { _tracks.RemoveAt(i); lost = true; continue; }
                _tracks[i].Update(points[i], time);
            }
        }
        // Detect: on schedule, when nothing is followed, or when a face was lost.
        if (lost || _tracks.Count == 0 || _frame % Options.DetectEvery == 0)
        {
            DetectorRuns++;
            var detected = _engine.Detector!.Detect(frame, _engine.Options.Detection);
            if (detected.Count > 0)
            {
                var points = _engine.PointsOfDetections(source, detected);
                for (int d = 0; d < detected.Count; d++)
                {
                    if (!Usable(points[d], frame)) continue;
                    // A detection on a followed face is that face: its points replace the followed ones when the model is
                    // surer of them (a crop that drifted, e.g. onto the frame's edge as the face left and came back, is
                    // put right without a new identity); the others are new faces.
                    var same = _tracks.MaxBy(t => KeypointBoxes.Iou(detected[d].Box, t.Box));
                    if (same is null || KeypointBoxes.Iou(detected[d].Box, same.Box) <= Options.SameFaceOverlap) _tracks.Add(new FollowedFace(_nextId++, points[d], time, Options));
                    else if (FaceEngine.MeanConfidence(points[d]) > same.Confidence) same.Update(points[d], time);
                }
            }
        }
        // Two followed faces that became one (one crop drifted onto the other face): the better-held one stays.
        for (int i = _tracks.Count - 1; i >= 0; i--)
            if (_tracks.Take(i).FirstOrDefault(t => KeypointBoxes.Iou(t.Box, _tracks[i].Box) > 0.5f) is { } twin)
            {
                if (_tracks[i].Confidence > twin.Confidence) _tracks.Remove(twin); else _tracks.RemoveAt(i);
            }
        _frame++;
        return [.. _tracks.Select(t => t.Smoothed(time))];
    }

    private bool Usable(RegionPoints p, ImagePixels frame) =>
        p.Keypoints.All(float.IsFinite) && FaceEngine.MeanConfidence(p) >= Options.MinConfidence
        && KeypointBoxes.Of(p.Keypoints) is var b && b[0] + b[2] > 0 && b[1] + b[3] > 0 && b[0] < frame.Width && b[1] < frame.Height;

    // One followed face: its last raw points, how fast they moved, and a One Euro filter per coordinate (beta per
    // inter-ocular distance).
    private sealed class FollowedFace
    {
        private readonly OneEuroFilter[]? _filters;   // null: smoothing off (MinCutoff infinite)
        private readonly float _motionPrediction;
        private RegionPoints _last;
        private double _lastTime;
        private (float X, float Y) _velocity;         // of the points' crop centre, pixels per second
        private bool _found;

        public FollowedFace(int id, RegionPoints points, double time, FaceTrackerOptions options)
        {
            Id = id;
            _last = points;
            _lastTime = time;
            _found = true;
            _motionPrediction = options.MotionPrediction;
            float iod = Math.Max(1f, InterOcular(points.Keypoints));
            if (!float.IsPositiveInfinity(options.MinCutoff))
                _filters = [.. points.Keypoints.Select(_ => new OneEuroFilter(options.MinCutoff, options.Beta / iod))];
        }

        public int Id { get; }
        public float[] Raw => _last.Keypoints;
        public float[] Box => KeypointBoxes.Of(_last.Keypoints);
        public float Confidence => FaceEngine.MeanConfidence(_last);

        // The crop for the frame at `time`: the 300-W box of the last points, levelled, moved on by the face's last velocity
        // (a fast face would otherwise be cropped where it was, off centre by a frame's movement).
        public FaceRegion NextRegion(FaceEngine engine, double time)
        {
            var region = engine.Level(FaceRegion.FromLandmarks(_last.Keypoints, engine.Options.LandmarkBoxMap));
            float ahead = _motionPrediction * (float)(time - _lastTime);
            return region with { CenterX = region.CenterX + _velocity.X * ahead, CenterY = region.CenterY + _velocity.Y * ahead };
        }

        public void Update(RegionPoints points, double time)
        {
            var (x0, y0) = Centre(_last.Keypoints);
            var (x1, y1) = Centre(points.Keypoints);
            float dt = (float)(time - _lastTime);
            // dt = 0: a detection put the face right in the same frame; its velocity starts again from zero (keeping the
            // old one sent a crop after the other face where two faces cross: one identity swap on the test sequences).
            _velocity = dt > 0 ? ((x1 - x0) / dt, (y1 - y0) / dt) : default;
            _last = points;
            _lastTime = time;
            _found = false;
        }

        private static (float X, float Y) Centre(float[] p)
        {
            var b = KeypointBoxes.Of(p);
            return (b[0] + b[2] / 2, b[1] + b[3] / 2);
        }

        public TrackedFace Smoothed(double time)
        {
            var raw = _last.Keypoints;
            var smooth = _filters is null ? raw : [.. raw.Select((v, k) => _filters[k].Filter(v, time))];
            return new TrackedFace(Id, smooth, raw, _last.Confidence, _last.Region, _found);
        }

        // The 300-W normaliser (outer eye corners) of a 68-point face; the points' box width otherwise.
        private static float InterOcular(float[] p) => p.Length == 136 ? (float)Evaluation.KeypointErrors.InterOcularDistance(p) : KeypointBoxes.Of(p)[2];
    }
}
