using KeypointML.Detection;
using System.Globalization;
using System.Text;
using KeypointML.Tooling.Files;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// The predictions file: header <c>image,x0,y0,x1,y1,...</c>, one row per face in dataset order, <c>image</c> as the
/// dataset names it (<see cref="DatasetImageNames"/>), coordinates in 0-based pixels of the original image written
/// round-trip exact (invariant culture). Names holding a comma or a quote are quoted as RFC 4180 says.
/// </summary>
public static class PredictionCsv
{
    public static string Header(int keypointCount) =>
        "image," + string.Join(",", Enumerable.Range(0, keypointCount).Select(i => $"x{i},y{i}"));

    /// <summary>Writes the file atomically (a temporary file renamed over <paramref name="path"/>). Faces the pipeline
    /// could not score have no row (the verbs report them).</summary>
    public static void Write(string path, IReadOnlyList<FacePrediction> faces, int keypointCount, DatasetImageNames names) =>
        AtomicFile.WriteAllText(path, Header(keypointCount) + "\n" + Rows(faces, names));

    /// <summary>The rows of the scored faces (each ending in a newline), without the header.</summary>
    public static string Rows(IEnumerable<FacePrediction> faces, DatasetImageNames names)
    {
        var text = new StringBuilder();
        foreach (var face in faces.Where(f => f.Scored))
        {
            text.Append(Quote(names.Name(face.ImagePath)));
            foreach (var v in face.Keypoints) text.Append(',').Append(v.ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Faces found by a detector: the points, then face (index in its image), score and the detector's box
    /// (left, top, width, height), as <c>score.py --e2e</c> reads them (extra columns after the last point).</summary>
    public static void WriteFaces(string path, IReadOnlyList<FoundFace> faces, int keypointCount, DatasetImageNames names)
    {
        var ic = CultureInfo.InvariantCulture;
        var text = new StringBuilder(Header(keypointCount)).Append(",face,score,left,top,width,height,confidence,yaw,pitch,roll,eye_right,eye_left,mouth\n");
        foreach (var face in faces)
        {
            text.Append(Quote(names.Name(face.ImagePath)));
            foreach (var v in face.Keypoints) text.Append(',').Append(v.ToString(ic));
            text.Append(',').Append(face.FaceIndex.ToString(ic)).Append(',').Append(face.Score.ToString(ic));
            foreach (var v in face.DetectorBox) text.Append(',').Append(v.ToString(ic));
            // confidence = the mean of the points' confidences; head pose in degrees and eye/mouth aspect ratios (68 points).
            text.Append(',').Append(face.Confidence.Length > 0 ? face.Confidence.Average().ToString("0.####", ic) : "");
            var pose = face.Pose;
            var open = face.Openness;
            foreach (var v in new float?[] { pose?.Yaw, pose?.Pitch, pose?.Roll })
                text.Append(',').Append(v is float a ? a.ToString("0.##", ic) : "");
            foreach (var v in new float?[] { open?.RightEye, open?.LeftEye, open?.Mouth })
                text.Append(',').Append(v is float a ? a.ToString("0.####", ic) : "");
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    internal static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
