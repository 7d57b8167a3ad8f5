using KeypointML.Detection;

namespace KeypointML.Engine;

/// <summary>
/// A detection -> the <see cref="FaceRegion"/> a landmark model expects: the roll from the detector's eye points (both
/// shipped detectors give the subject's right eye first, then the left), the detector's box brought into the face's frame,
/// then <see cref="BoxMap"/> (fitted on upright training faces: the detector box -> the 300-W box) applied in that frame.
/// </summary>
/// <param name="BoxMap">Detector box -> 300-W box, fitted on the 300-W training crops.</param>
/// <param name="MinRoll">Rolls smaller than this (radians) are taken as upright: the crop is then exactly the ML.NET
/// components' axis-aligned crop of the mapped box. <see cref="float.PositiveInfinity"/> never turns a crop.</param>
public sealed record DetectionRegions(FaceBoxMap BoxMap, float MinRoll)
{
    /// <summary>The face's roll in radians from the detector's points: the direction of the line from the right eye to the
    /// left (both detectors' first two points), averaged with the direction square to the line from the eyes' middle down
    /// to the mouth (YuNet's mouth corners 3 and 4; BlazeFace's mouth 3), which is the longer, steadier baseline.</summary>
    public static float RollOf(DetectedFace face) => RollOf(face.Keypoints);

    /// <summary><see cref="RollOf(DetectedFace)"/> of a detector's points (x0, y0, ...) alone.</summary>
    public static float RollOf(ReadOnlySpan<float> k)
    {
        if (k.Length < 4) return 0f;
        float ex = k[2] - k[0], ey = k[3] - k[1];
        if (k.Length >= 8)
        {
            float mx = k.Length >= 10 ? (k[6] + k[8]) / 2 : k[6], my = k.Length >= 10 ? (k[7] + k[9]) / 2 : k[7];
            // Eyes' middle -> mouth points along the face's "down"; turned a quarter back it points along left-to-right.
            float dx = mx - (k[0] + k[2]) / 2, dy = my - (k[1] + k[3]) / 2;
            float e = MathF.Sqrt(ex * ex + ey * ey), d = MathF.Sqrt(dx * dx + dy * dy);
            if (e > 0 && d > 0) return MathF.Atan2(ey / e + -dx / d, ex / e + dy / d);
        }
        return MathF.Atan2(ey, ex);
    }

    /// <summary>The region with a roll under <see cref="MinRoll"/> made upright (the ML.NET components' crop).</summary>
    public FaceRegion Level(FaceRegion region) => MathF.Abs(region.Roll) >= MinRoll ? region : region with { Roll = 0 };

    /// <summary>The region of one detected face, with the roll of its points.</summary>
    public FaceRegion Of(DetectedFace face) => Of(face, RollOf(face));

    /// <summary>The regions of one detected face, one per roll the detector's searches saw (<see cref="DetectedFace.RollHypotheses"/>).</summary>
    public FaceRegion[] Candidates(DetectedFace face) =>
        face.RollHypotheses.Length == 0 ? [Of(face)] : [.. face.RollHypotheses.Select(r => Of(face, r))];

    /// <summary>The region of one detected face with a given roll.</summary>
    public FaceRegion Of(DetectedFace face, float roll)
    {
        if (!(MathF.Abs(roll) >= MinRoll)) return FaceRegion.FromBox(BoxMap.Apply(face.Box));
        // A detector boxes a turned face by the upright box that holds it: W = w|c| + h|s|, H = w|s| + h|c|. Solved with
        // the blend below, exact at 0 and 90 degrees and for square faces at any angle (the exact inverse is singular at 45).
        float c = MathF.Abs(MathF.Cos(roll)), s = MathF.Abs(MathF.Sin(roll)), k2 = (c + s) * (c + s);
        float w = (face.Width * c + face.Height * s) / k2, h = (face.Width * s + face.Height * c) / k2;
        float cx = face.Left + face.Width / 2 - 0.5f, cy = face.Top + face.Height / 2 - 0.5f;
        float du = BoxMap.ShiftX * w, dv = BoxMap.ShiftY * h, cos = MathF.Cos(roll), sin = MathF.Sin(roll);
        return new FaceRegion(cx + cos * du - sin * dv, cy + sin * du + cos * dv, w * BoxMap.ScaleWidth, h * BoxMap.ScaleHeight, roll);
    }
}
