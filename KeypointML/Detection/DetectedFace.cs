namespace KeypointML.Detection;

/// <summary>
/// One face a detector found: its box in image pixels (0-based, the pixel centre of pixel k at k, as every KeypointML
/// coordinate), the detector's score (0..1) and the detector's own keypoints (BlazeFace: right eye, left eye, nose tip,
/// mouth centre, right ear tragion, left ear tragion; x, y pairs in image pixels; "right" is the subject's right).
/// </summary>
public sealed record DetectedFace(float Left, float Top, float Width, float Height, float Score, float[] Keypoints)
{
    /// <summary>Number of keypoints BlazeFace gives per face.</summary>
    public const int BlazeFaceKeypointCount = 6;

    /// <summary>The head's roll in radians (from the image's x axis to the line from the subject's right eye to the left) as
    /// each of the detector's searches that found it saw it, best first, when they disagree (YuNet's turned searches);
    /// empty = the roll of <see cref="Keypoints"/>.</summary>
    public float[] RollHypotheses { get; init; } = [];

    /// <summary>The box as a <c>Box</c> column holds it: left, top, width, height.</summary>
    public float[] Box => [Left, Top, Width, Height];
}
