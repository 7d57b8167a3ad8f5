using KeypointML.Tooling.Inference;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// A row of faces as the model saw them (the original picture, in colour, cut to the model's crop) with the true points
/// in green and the predicted ones in red, each captioned: the report's best and worst examples.
/// </summary>
public static class ExamplePanels
{
    public const int PanelWidth = 240, CaptionHeight = 22;

    public static void Write(IReadOnlyList<(FacePrediction Face, string Caption)> panels, string path)
    {
        if (panels.Count == 0) throw new ArgumentException("no faces to draw.");
        int height = panels.Max(p => PanelHeight(p.Face)) + CaptionHeight;
        using var bitmap = new SKBitmap(PanelWidth * panels.Count, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        for (int i = 0; i < panels.Count; i++)
        {
            var (face, caption) = panels[i];
            DrawFace(canvas, face, i * PanelWidth);
            canvas.DrawText(caption, i * PanelWidth + 4, height - 7, text);
        }
        KeypointOverlays.Save(bitmap, path);
    }

    private static int PanelHeight(FacePrediction face) => (int)Math.Round(PanelWidth * face.CropGeometry[3] / face.CropGeometry[2]);

    /// <summary>
    /// Maps the crop onto the panel. Pixel k covers canvas [k, k+1) when a bitmap is drawn at the origin, so its centre
    /// (keypoint coordinate k) sits at k + 0.5, and the crop's left edge (pixel X0's left side) at X0.
    /// </summary>
    private static void DrawFace(SKCanvas canvas, FacePrediction face, float left)
    {
        using var image = SKBitmap.Decode(face.ImagePath) ?? throw new InvalidDataException($"{face.ImagePath}: the image could not be decoded for the report.");
        float x0 = face.CropGeometry[0], y0 = face.CropGeometry[1], scale = PanelWidth / face.CropGeometry[2];
        var panel = new SKRect(left, 0, left + PanelWidth, PanelHeight(face));
        canvas.Save();
        canvas.ClipRect(panel);
        canvas.DrawColor(SKColors.Black);
        canvas.Translate(left - x0 * scale, -y0 * scale);
        canvas.Scale(scale);
        using (var paint = new SKPaint { FilterQuality = SKFilterQuality.Medium, IsAntialias = true })
            canvas.DrawBitmap(image, 0, 0, paint);
        float radius = Math.Max(1.5f, 3f / scale);
        if (face.Truth is { } truth) Points(canvas, truth, KeypointOverlays.TruthColor, radius);
        Points(canvas, face.Keypoints, KeypointOverlays.PredictionColor, radius);
        canvas.Restore();
    }

    private static void Points(SKCanvas canvas, float[] xy, SKColor color, float radius)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        for (int i = 0; i + 1 < xy.Length; i += 2) canvas.DrawCircle(xy[i] + 0.5f, xy[i + 1] + 0.5f, radius, paint);
    }
}
