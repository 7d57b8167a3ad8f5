using System.Globalization;

namespace KeypointML.Detection;

/// <summary>
/// Maps a detector's face box to the box convention a landmark model was trained with: the centre moves by
/// (<see cref="ShiftX"/> x width, <see cref="ShiftY"/> x height) of the detector box, and the sides are scaled by
/// <see cref="ScaleWidth"/> and <see cref="ScaleHeight"/>. Fitted as medians over a training set's faces
/// (<c>keypointml fit-box-map</c>), never on test data.
/// </summary>
public sealed record FaceBoxMap(float ScaleWidth, float ScaleHeight, float ShiftX, float ShiftY)
{
    /// <summary>The box unchanged.</summary>
    public static FaceBoxMap Identity { get; } = new(1, 1, 0, 0);

    /// <summary>BlazeFace (front model, <c>models/blazeface-front.onnx</c>) boxes to the iBUG 300-W boxes the 68-point
    /// models were trained with: fitted on the 1220 training crops (labels_ibug_300W_train.xml), see models/blazeface-front.md.</summary>
    public static FaceBoxMap BlazeFaceFrontTo300W { get; } = new(0.93142134f, 0.92333126f, -0.0048793373f, 0.05141188f);

    /// <summary>YuNet (<c>models/yunet.onnx</c>) boxes to the iBUG 300-W boxes, in the face's frame: fitted on the 1220
    /// training crops (labels_ibug_300W_train.xml), see models/yunet.md.</summary>
    public static FaceBoxMap YuNetTo300W { get; } = new(0.9973037f, 0.74560314f, -0.002680296f, 0.11851211f);

    /// <summary>The bounding box of a face's 68 landmarks to the iBUG 300-W box (for a second pass that re-crops around the
    /// first pass's points): fitted on the 1220 training faces' labels.</summary>
    public static FaceBoxMap LandmarksTo300W { get; } = new(0.972973f, 0.99480516f, -0.0067720436f, -0.0045045046f);

    /// <summary>The mapped box (left, top, width, height) of a detector box.</summary>
    public float[] Apply(ReadOnlySpan<float> box)
    {
        if (box.Length != 4) throw new ArgumentException($"A face box has 4 values; got {box.Length}.", nameof(box));
        float cx = box[0] + box[2] / 2 + ShiftX * box[2], cy = box[1] + box[3] / 2 + ShiftY * box[3];
        float w = box[2] * ScaleWidth, h = box[3] * ScaleHeight;
        return [cx - w / 2, cy - h / 2, w, h];
    }

    /// <summary>The median map from detector boxes to target boxes (pairs of left, top, width, height).</summary>
    public static FaceBoxMap Fit(IReadOnlyList<(float[] Detected, float[] Target)> pairs)
    {
        if (pairs.Count == 0) throw new ArgumentException("No box pairs to fit a map on.", nameof(pairs));
        static float Median(IEnumerable<float> v)
        {
            var s = v.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }
        return new FaceBoxMap(
            Median(pairs.Select(p => p.Target[2] / p.Detected[2])),
            Median(pairs.Select(p => p.Target[3] / p.Detected[3])),
            Median(pairs.Select(p => (p.Target[0] + p.Target[2] / 2 - p.Detected[0] - p.Detected[2] / 2) / p.Detected[2])),
            Median(pairs.Select(p => (p.Target[1] + p.Target[3] / 2 - p.Detected[1] - p.Detected[3] / 2) / p.Detected[3])));
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"scale {ScaleWidth:F4} x {ScaleHeight:F4}, shift {ShiftX:+0.0000;-0.0000} w, {ShiftY:+0.0000;-0.0000} h");
}
