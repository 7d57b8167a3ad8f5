namespace KeypointML.Detection;

/// <summary>Settings of face detection; the defaults are <see cref="FaceDetectionDefaults"/>.</summary>
public sealed record FaceDetectionOptions
{
    /// <summary>Lowest detector score (0..1) a face may have; null = the detector's own default
    /// (<see cref="FaceDetectionDefaults.YuNetScoreThreshold"/>, <see cref="FaceDetectionDefaults.ScoreThreshold"/> for BlazeFace).</summary>
    public float? ScoreThreshold { get; init; }
    /// <summary>YuNet: candidates scored from this up to <see cref="ScoreThreshold"/> get a second look, searched again
    /// enlarged around themselves, and are kept when that search scores them at least <see cref="ScoreThreshold"/>
    /// (small, blurred faces gain, false ones do not); null = <see cref="FaceDetectionDefaults.SecondLookThreshold"/>; 1 = no second look.</summary>
    public float? SecondLookThreshold { get; init; }
    /// <summary>YuNet: also search the image turned by quarter turns (at half the scale), for heads rolled past about 45
    /// degrees (a person lying down, a camera held sideways). Costs about 3/4 of the upright search.</summary>
    public bool TurnedFaces { get; init; } = FaceDetectionDefaults.TurnedFaces;
    /// <summary>Candidates overlapping more than this (intersection over union) are merged into one face.</summary>
    public float NmsOverlap { get; init; } = FaceDetectionDefaults.NmsOverlap;
    /// <summary>Smallest face kept, as the box's longer side in image pixels.</summary>
    public float MinFaceSize { get; init; } = FaceDetectionDefaults.MinFaceSize;
    /// <summary>Most faces reported per image, best scores first.</summary>
    public int MaxFaces { get; init; } = FaceDetectionDefaults.MaxFaces;

    internal void Validate()
    {
        if (ScoreThreshold is { } t && !(t is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), t, "The score threshold must be in [0, 1).");
        if (SecondLookThreshold is { } l && !(l is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(SecondLookThreshold), l, "The second-look threshold must be in [0, 1].");
        if (!(NmsOverlap is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(NmsOverlap), NmsOverlap, "The NMS overlap must be in (0, 1].");
        if (!(MinFaceSize >= 0)) throw new ArgumentOutOfRangeException(nameof(MinFaceSize), MinFaceSize, "The minimum face size must not be negative.");
        if (MaxFaces < 1) throw new ArgumentOutOfRangeException(nameof(MaxFaces), MaxFaces, "At least one face must be allowed.");
    }
}

/// <summary>Default values of <see cref="FaceDetectionOptions"/>, in one place.</summary>
public static class FaceDetectionDefaults
{
    /// <summary>Lowest score kept by BlazeFace (measured: models/blazeface-front.md).</summary>
    public const float ScoreThreshold = 0.7f;
    /// <summary>Lowest score kept by YuNet (chosen on the WIDER FACE dev photos: models/yunet.md).</summary>
    public const float YuNetScoreThreshold = 0.8f;
    /// <summary>YuNet's second look: candidates from this score up are searched again, enlarged (models/yunet.md).</summary>
    public const float SecondLookThreshold = 0.7f;
    /// <summary>Merge overlap (MediaPipe's 0.3).</summary>
    public const float NmsOverlap = 0.3f;
    /// <summary>Smallest face searched for, as the box's longer side in image pixels: YuNet searches the image at the scale
    /// that makes such a face <see cref="YuNetDetector.SmallestFace"/> pixels (never enlarged).</summary>
    public const float MinFaceSize = 10f;
    /// <summary>Whether YuNet searches turned copies of the image too.</summary>
    public const bool TurnedFaces = true;
    /// <summary>Most faces per image (crowd photos of WIDER FACE hold several hundred).</summary>
    public const int MaxFaces = 1000;
}
