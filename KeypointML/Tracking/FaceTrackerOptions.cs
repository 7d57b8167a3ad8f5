namespace KeypointML.Tracking;

/// <summary>Settings of <see cref="FaceTracker"/>, each with what it trades; the defaults were chosen on sequences made
/// from the 300-W training faces (docs/tracking.md).</summary>
public sealed record FaceTrackerOptions
{
    /// <summary>Run the detector every this many frames to find faces that entered (1 = every frame: most responsive,
    /// full detector cost). Between, each face's crop comes from its last points.</summary>
    public int DetectEvery { get; init; } = 10;
    /// <summary>A face whose mean point confidence falls below this is dropped (and the detector runs on the next frame):
    /// higher drops occluded faces sooner, lower keeps following them through hard frames.</summary>
    public float MinConfidence { get; init; } = 0.3f;
    /// <summary>Smoothing at rest: the One Euro filter's minimum cutoff in Hz. Lower = steadier still faces, more lag
    /// when a face starts to move; <see cref="float.PositiveInfinity"/> turns smoothing off.</summary>
    public float MinCutoff { get; init; } = 1f;
    /// <summary>How fast smoothing lets go with speed (One Euro beta, per inter-ocular distance per second): higher = less
    /// lag on moving faces, more jitter.</summary>
    public float Beta { get; init; } = 50f;
    /// <summary>How far each face's next crop is moved on by the face's last velocity (0 = cropped where the face was in
    /// the last frame, as MediaPipe does; 1 = where it would be at the same speed). Higher keeps fast faces centred in
    /// their crops; on a still face it only follows the points' own frame-to-frame noise.</summary>
    public float MotionPrediction { get; init; } = 0.5f;
    /// <summary>A detection overlapping a followed face's box by more than this (IoU) is that face, not a new one.</summary>
    public float SameFaceOverlap { get; init; } = 0.3f;

    internal void Validate()
    {
        if (DetectEvery < 1) throw new ArgumentOutOfRangeException(nameof(DetectEvery), DetectEvery, "Detect at least every frame (1) or less often.");
        if (!(MinConfidence is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "A confidence is in [0, 1].");
        if (!(MinCutoff > 0)) throw new ArgumentOutOfRangeException(nameof(MinCutoff), MinCutoff, "The cutoff must be positive.");
        if (!(MotionPrediction is >= 0 and <= 2)) throw new ArgumentOutOfRangeException(nameof(MotionPrediction), MotionPrediction, "Motion prediction is a fraction of the last velocity, 0 to 2.");
        if (!(Beta >= 0)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "Beta must not be negative.");
    }
}
