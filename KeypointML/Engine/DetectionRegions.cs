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
    /// <summary>The face's roll from the detector's first two points (right eye, left eye), in radians.</summary>
    public static float RollOf(DetectedFace face) =>
        face.Keypoints.Length >= 4 ? MathF.Atan2(face.Keypoints[3] - face.Keypoints[1], face.Keypoints[2] - face.Keypoints[0]) : 0f;

    /// <summary>The region of one detected face.</summary>
    public FaceRegion Of(DetectedFace face)
    {
        float roll = RollOf(face);
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
