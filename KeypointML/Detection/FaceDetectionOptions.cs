namespace KeypointML.Detection;

/// <summary>Settings of face detection; the defaults are <see cref="FaceDetectionDefaults"/>.</summary>
public sealed record FaceDetectionOptions
{
    /// <summary>Lowest detector score (0..1) a face may have.</summary>
    public float ScoreThreshold { get; init; } = FaceDetectionDefaults.ScoreThreshold;
    /// <summary>Candidates overlapping more than this (intersection over union) are merged into one face.</summary>
    public float NmsOverlap { get; init; } = FaceDetectionDefaults.NmsOverlap;
    /// <summary>Smallest face kept, as the box's longer side in image pixels.</summary>
    public float MinFaceSize { get; init; } = FaceDetectionDefaults.MinFaceSize;
    /// <summary>Most faces reported per image, best scores first.</summary>
    public int MaxFaces { get; init; } = FaceDetectionDefaults.MaxFaces;

    internal void Validate()
    {
        if (!(ScoreThreshold is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "The score threshold must be in [0, 1).");
        if (!(NmsOverlap is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(NmsOverlap), NmsOverlap, "The NMS overlap must be in (0, 1].");
        if (!(MinFaceSize >= 0)) throw new ArgumentOutOfRangeException(nameof(MinFaceSize), MinFaceSize, "The minimum face size must not be negative.");
        if (MaxFaces < 1) throw new ArgumentOutOfRangeException(nameof(MaxFaces), MaxFaces, "At least one face must be allowed.");
    }
}

/// <summary>Default values of <see cref="FaceDetectionOptions"/>, in one place.</summary>
public static class FaceDetectionDefaults
{
    /// <summary>Lowest score kept (measured: docs/face-detection.md).</summary>
    public const float ScoreThreshold = 0.7f;
    /// <summary>Merge overlap (MediaPipe's 0.3).</summary>
    public const float NmsOverlap = 0.3f;
    /// <summary>Smallest face, in pixels.</summary>
    public const float MinFaceSize = 0f;
    /// <summary>Most faces per image.</summary>
    public const int MaxFaces = 100;
}
