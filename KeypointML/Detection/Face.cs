namespace KeypointML.Detection;

/// <summary>One named point of a face, in pixels of the image (0-based, pixel centres at integers).</summary>
/// <param name="Name">The point's name in its scheme (<see cref="Geometry.LandmarkNames"/>), e.g. "nose_tip".</param>
/// <param name="X">Column.</param>
/// <param name="Y">Row.</param>
/// <param name="Confidence">In [0, 1]: 1 / (1 + the spread of the point's heatmap around it, in cells); low = occluded or
/// uncertain (see HeatmapDecoder.SpreadConfidence); 1 for coordinate models.</param>
public readonly record struct Landmark(string Name, float X, float Y, float Confidence);

/// <summary>A face box in pixels of the image.</summary>
public readonly record struct FaceBox(float Left, float Top, float Width, float Height)
{
    /// <summary>The box as KeypointML's vectors hold it: left, top, width, height.</summary>
    public float[] ToArray() => [Left, Top, Width, Height];

    internal static FaceBox Of(float[] box) => new(box[0], box[1], box[2], box[3]);
}

/// <summary>A face found in an image, with its landmarks.</summary>
/// <param name="Index">0 = the best-scored face of its image.</param>
/// <param name="Score">The detector's score (0..1).</param>
/// <param name="Box">The detector's box.</param>
/// <param name="Landmarks">The landmark model's points, named (empty without a landmark model).</param>
public sealed record Face(int Index, float Score, FaceBox Box, IReadOnlyList<Landmark> Landmarks)
{
    /// <summary>The region the landmark model was given: the 300-W-convention box in the face's own frame and the face's
    /// roll (radians, from the image's x axis to the line from the subject's right eye to the left eye).</summary>
    public Engine.FaceRegion Region { get; init; }

    /// <summary>Which way the head faces: yaw, pitch and roll in degrees (68-point models; null otherwise). See
    /// <see cref="Analysis.HeadPose"/> for the axes and signs.</summary>
    public Analysis.HeadPose? Pose { get; init; }

    /// <summary>How open the eyes and mouth are (68-point models; null otherwise).</summary>
    public Analysis.FaceOpenness? Openness { get; init; }

    /// <summary>The face aligned to <paramref name="template"/> (default the ArcFace 112 x 112 template), cut from the image
    /// the face was found in, given again as decoded pixels.</summary>
    /// <exception cref="ArgumentException">The face has no 68 points.</exception>
    public Analysis.FaceChip Chip(Engine.ImagePixels image, Analysis.FaceChipTemplate? template = null) =>
        Analysis.FaceChips.Extract(image, [.. Landmarks.SelectMany(l => new[] { l.X, l.Y })], template);

    /// <summary>The landmark called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The scheme has no such point.</exception>
    public Landmark this[string name] => Landmarks.FirstOrDefault(l => l.Name == name) is { Name: not null } found
        ? found : throw new KeyNotFoundException($"no landmark '{name}' in this face's {Landmarks.Count}-point scheme.");
}
