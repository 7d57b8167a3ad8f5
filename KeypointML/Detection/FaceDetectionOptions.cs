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
    /// <summary>YuNet: when to search beyond the upright search at the working scale: at half the scale, upright (faces it
    /// scores low at full size) and turned a quarter each way (heads rolled past about 45 degrees: a person lying down, a
    /// camera held sideways), and at a quarter of it where the image can hold a face larger than YuNet knows (about 300
    /// px at the working scale). <see cref="ExtraSearches.WhenUnsure"/> by default; together they cost about 0.8 of the
    /// first search.</summary>
    public ExtraSearches ExtraSearches { get; init; } = FaceDetectionDefaults.ExtraSearches;
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
    /// <summary>When YuNet searches beyond the upright search at the working scale.</summary>
    public const ExtraSearches ExtraSearches = Detection.ExtraSearches.WhenUnsure;
    /// <summary>With <see cref="Detection.ExtraSearches.WhenUnsure"/>: a face whose five points roll this many degrees or
    /// more in the first search calls for the extra searches (models/yunet.md).</summary>
    public const float ExtraSearchRoll = 30f;
    /// <summary>With <see cref="Detection.ExtraSearches.WhenUnsure"/>: the first search's faces must all score this or more
    /// for the extra searches to be left out (models/yunet.md: upright faces score 0.94 there in the median, heads lying on
    /// their side 0.80-0.89).</summary>
    public const float SureScore = 0.9f;
    /// <summary>Most faces per image (crowd photos of WIDER FACE hold several hundred).</summary>
    public const int MaxFaces = 1000;
}

/// <summary>When YuNet searches beyond its first, upright search at the working scale (<see cref="FaceDetectionOptions.ExtraSearches"/>).</summary>
public enum ExtraSearches
{
    /// <summary>The first search alone: fastest; faces larger than about 300 px at the working scale and heads rolled past
    /// about 60 degrees are missed, and faces the first search scores low are decided by the second look alone.</summary>
    Never,
    /// <summary>When the first search leaves doubt: no face found, a candidate scored under
    /// <see cref="FaceDetectionDefaults.SureScore"/>, or a head rolled <see cref="FaceDetectionDefaults.ExtraSearchRoll"/> degrees or more. A photo
    /// of faces the first search is sure of, upright, pays for that search only. A head lying on its side that the first
    /// search does not see at all is missed in a photo whose other faces leave no doubt.</summary>
    WhenUnsure,
    /// <summary>Every image.</summary>
    Always,
}
