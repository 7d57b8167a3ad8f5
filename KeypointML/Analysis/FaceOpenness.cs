namespace KeypointML.Analysis;

/// <summary>
/// How open the eyes and mouth are, from 68 points (iBUG order), as ratios that do not depend on the face's size or roll.
/// Eye aspect ratio (Soukupova and Cech, 2016): (|p37 - p41| + |p38 - p40|) / (2 |p36 - p39|) for the subject's right eye
/// (points 36-41) and the same over 42-47 for the left; about 0.3 open, under about 0.2 closed (a blink). Mouth aspect
/// ratio over the inner lips: (|p61 - p67| + |p62 - p66| + |p63 - p65|) / (3 |p60 - p64|); about 0 closed, above about
/// 0.3 open. The thresholds are starting points: see docs/face-analysis.md for these ratios on labelled faces.
/// </summary>
public readonly record struct FaceOpenness(float RightEye, float LeftEye, float Mouth)
{
    /// <summary>Below this eye aspect ratio an eye is usually closed.</summary>
    public const float ClosedEye = 0.2f;
    /// <summary>Above this mouth aspect ratio the mouth is usually open.</summary>
    public const float OpenMouth = 0.3f;

    /// <summary>The mean of both eyes' ratios (what blink detectors threshold).</summary>
    public float Eyes => (RightEye + LeftEye) / 2;

    /// <summary>The ratios of one face's 68 points.</summary>
    public static FaceOpenness Of(ReadOnlySpan<float> points68)
    {
        if (points68.Length != 136) throw new ArgumentException($"Eye and mouth ratios need the 68 iBUG points (136 values); got {points68.Length}.");
        return new FaceOpenness(Eye(points68, 36), Eye(points68, 42),
            (D(points68, 61, 67) + D(points68, 62, 66) + D(points68, 63, 65)) / (3 * D(points68, 60, 64)));
    }

    private static float Eye(ReadOnlySpan<float> p, int first) =>
        (D(p, first + 1, first + 5) + D(p, first + 2, first + 4)) / (2 * D(p, first, first + 3));

    private static float D(ReadOnlySpan<float> p, int a, int b) => MathF.Sqrt(MathF.Pow(p[2 * a] - p[2 * b], 2) + MathF.Pow(p[2 * a + 1] - p[2 * b + 1], 2));
}
