using KeypointML.Analysis;
using KeypointML.Detection;
using KeypointML.Tooling.Inference;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// Pictures of found faces (<c>keypointml predict --faces --overlays DIR</c>): the detector's box (yellow), the points
/// (red), the aligned chip's outline (cyan, the ArcFace 112 x 112 square mapped back onto the photo) and the head's axes
/// from the nose tip (red: the head's left-to-right, green: up, blue: where the nose points), one PNG per image.
/// </summary>
public static class FaceOverlays
{
    public static int Write(string folder, IReadOnlyList<FoundFace> faces, DatasetImageNames names)
    {
        Directory.CreateDirectory(folder);
        int written = 0;
        foreach (var image in faces.GroupBy(f => f.ImagePath))
        {
            using var bitmap = SKBitmap.Decode(image.Key) ?? throw new InvalidDataException($"{image.Key}: the image could not be decoded for the overlay.");
            int side = Math.Min(bitmap.Width, bitmap.Height);
            using (var canvas = new SKCanvas(bitmap))
                foreach (var face in image)
                {
                    KeypointOverlays.Draw(canvas, new FacePrediction(face.ImagePath, face.DetectorBox, [], [], null, face.Keypoints), side);
                    if (face.Keypoints.Length == 136 && face.Keypoints.All(float.IsFinite)) Analysis(canvas, face, side);
                }
            KeypointOverlays.Save(bitmap, Path.Combine(folder, KeypointOverlays.FileName(names.Name(image.Key))));
            written++;
        }
        return written;
    }

    private static void Analysis(SKCanvas canvas, FoundFace face, int side)
    {
        float width = Math.Max(1f, side / 320f);
        // The chip's square, its corners taken back to the photo by the inverse of the fitted similarity.
        var template = FaceChipTemplate.ArcFace112;
        var toImage = FaceChips.Alignment(face.Keypoints, template).Inverse();
        using var outline = new SKPaint { Color = SKColors.Cyan, Style = SKPaintStyle.Stroke, StrokeWidth = width, IsAntialias = true };
        using var path = new SKPath();
        var corners = new[] { (-0.5f, -0.5f), (template.Size - 0.5f, -0.5f), (template.Size - 0.5f, template.Size - 0.5f), (-0.5f, template.Size - 0.5f) }
            .Select(c => toImage.Apply(c.Item1, c.Item2)).ToArray();
        path.MoveTo(corners[0].X + 0.5f, corners[0].Y + 0.5f);
        foreach (var c in corners.Skip(1)) path.LineTo(c.X + 0.5f, c.Y + 0.5f);
        path.Close();
        canvas.DrawPath(path, outline);
        if (face.Pose is not { } pose) return;
        // The head's axes from the nose tip, as long as the eye corners are apart.
        float nx = face.Keypoints[60] + 0.5f, ny = face.Keypoints[61] + 0.5f;
        float length = (float)Evaluation.KeypointErrors.InterOcularDistance(face.Keypoints);
        var (right, up, forward) = pose.ImageAxes();
        foreach (var (axis, color) in new[] { (right, SKColors.Red), (up, SKColors.LimeGreen), (forward, SKColors.DodgerBlue) })
        {
            using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 2 * width, IsAntialias = true };
            canvas.DrawLine(nx, ny, nx + axis.X * length, ny + axis.Y * length, paint);
        }
    }
}
