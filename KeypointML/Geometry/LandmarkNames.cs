namespace KeypointML.Geometry;

/// <summary>
/// Names of the points of the schemes KeypointML predicts, in model output order. Sides are the subject's (left eye = the
/// eye on the image's right in a frontal photo), as the 300-W annotations use them.
/// </summary>
public static class LandmarkNames
{
    /// <summary>The 68 iBUG 300-W points: jaw 0-16 (from the subject's right ear down to the chin and up to the left),
    /// right brow 17-21, left brow 22-26, nose bridge 27-30 (30 = tip), nose base 31-35, right eye 36-41 (36 = outer
    /// corner), left eye 42-47 (45 = outer corner), outer lips 48-59, inner lips 60-67.</summary>
    public static IReadOnlyList<string> Ibug68 { get; } =
    [
        .. Numbered("jaw", 17), .. Numbered("right_brow", 5), .. Numbered("left_brow", 5),
        .. Numbered("nose_bridge", 3), "nose_tip", .. Numbered("nose_base", 5),
        "right_eye_outer", .. Numbered("right_eye_upper", 2), "right_eye_inner", .. Numbered("right_eye_lower", 2),
        "left_eye_inner", .. Numbered("left_eye_upper", 2), "left_eye_outer", .. Numbered("left_eye_lower", 2),
        .. Numbered("outer_lip", 12), .. Numbered("inner_lip", 8),
    ];

    /// <summary>The 58 IMM points by the database's paths: jaw 0-12, left eye 13-20, right eye 21-28, left brow 29-33,
    /// right brow 34-38, mouth 39-46, nose 47-57.</summary>
    public static IReadOnlyList<string> Imm58 { get; } =
    [
        .. Numbered("jaw", 13), .. Numbered("left_eye", 8), .. Numbered("right_eye", 8), .. Numbered("left_brow", 5),
        .. Numbered("right_brow", 5), .. Numbered("mouth", 8), .. Numbered("nose", 11),
    ];

    /// <summary>The names for a model of <paramref name="keypointCount"/> points: the 68- or 58-point scheme, "nose_tip"
    /// for the one-point model, else "point_0", "point_1", ...</summary>
    public static IReadOnlyList<string> For(int keypointCount) => keypointCount switch
    {
        68 => Ibug68,
        58 => Imm58,
        1 => ["nose_tip"],
        _ => Numbered("point", keypointCount),
    };

    private static string[] Numbered(string name, int count) => [.. Enumerable.Range(0, count).Select(i => $"{name}_{i}")];
}
