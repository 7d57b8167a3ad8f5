using System.Globalization;
using KeypointML.Engine;
using KeypointML.Tracking;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// One picture per frame of <c>keypointml predict --track --overlays DIR</c>: each followed face's smoothed points, the
/// crop it came from (the region's square, turned with the head) and its identity; green where the detector found the
/// face in this frame, orange while it is followed from the last frame's points.
/// </summary>
public static class TrackOverlays
{
    /// <summary>frame_000042.png: names that sort in frame order (a video maker such as <c>ffmpeg -i frame_%06d.png</c>
    /// reads them back).</summary>
    public static string FileName(int frame) => $"frame_{frame.ToString("D6", CultureInfo.InvariantCulture)}.png";

    public static void Write(string path, ImagePixels frame, IReadOnlyList<TrackedFace> faces)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(frame.Width, frame.Height, SKColorType.Bgra8888, SKAlphaType.Opaque));
        var bgra = new byte[frame.Width * frame.Height * 4];
        PixelConversion.ToBgra32(frame, bgra);
        System.Runtime.InteropServices.Marshal.Copy(bgra, 0, bitmap.GetPixels(), bgra.Length);
        int side = Math.Min(frame.Width, frame.Height);
        float radius = Math.Max(1.5f, side / 240f);
        using (var canvas = new SKCanvas(bitmap))
            foreach (var face in faces)
            {
                var color = face.Found ? SKColors.LimeGreen : SKColors.Orange;
                using var stroke = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(1f, radius / 2), IsAntialias = true };
                using var fill = new SKPaint { Color = SKColors.Red, IsAntialias = true };
                var r = face.Region;
                float c = MathF.Cos(r.Roll), s = MathF.Sin(r.Roll), w = r.Width / 2, h = r.Height / 2;
                using var square = new SKPath();
                // The region's box in the face's own frame, turned by its roll about its centre (+0.5: pixel centres).
                var corners = new[] { (-w, -h), (w, -h), (w, h), (-w, h) }.Select(p => new SKPoint(r.CenterX + c * p.Item1 - s * p.Item2 + 0.5f, r.CenterY + s * p.Item1 + c * p.Item2 + 0.5f)).ToArray();
                square.AddPoly(corners, close: true);
                canvas.DrawPath(square, stroke);
                for (int i = 0; i + 1 < face.Keypoints.Length; i += 2) canvas.DrawCircle(face.Keypoints[i] + 0.5f, face.Keypoints[i + 1] + 0.5f, radius, fill);
                using var font = new SKFont { Size = Math.Max(12f, side / 30f) };
                using var label = new SKPaint { Color = color, IsAntialias = true };
                canvas.DrawText($"#{face.Id}", corners[0].X, corners[0].Y - 4, font, label);
            }
        KeypointOverlays.Save(bitmap, path);
    }
}
