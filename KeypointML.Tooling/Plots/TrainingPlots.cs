using System.Globalization;
using KeypointML.Tooling.Files;
using KeypointML.Tooling.Report;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// PNG pictures for a run folder, drawn with SkiaSharp 2.88 (the version ML.NET ImageAnalytics needs in the same
/// process; ScottPlot 5.1 requires SkiaSharp 3, which breaks ImageAnalytics, so it is not used here).
/// </summary>
public static class TrainingPlots
{
    private static readonly SKColor TrainColor = new(31, 119, 180), ValColor = new(255, 127, 14), KeypointColor = new(44, 160, 44);

    /// <summary>Train and validation loss per epoch, log-scaled y axis; plus the validation keypoint MSE when the
    /// history has one (heatmap models, whose loss is another quantity).</summary>
    public static void LossCurves(IReadOnlyList<EpochRecord> history, string path, string title, string lossName = "MSE")
    {
        const int W = 800, H = 500, L = 80, R = 20, T = 40, B = 60;
        using var chart = new ChartCanvas(W, H, title, L);
        SKBitmap bmp = chart.Bitmap;
        SKCanvas c = chart.Canvas;
        SKPaint axis = chart.Axis, grid = chart.Grid, text = chart.Text;
        if (history.Count > 0)
        {
            var values = history.SelectMany(h => new[] { h.TrainLoss, h.ValidationLoss, h.ValidationKeypointMse ?? double.NaN })
                .Where(v => v > 0 && double.IsFinite(v)).DefaultIfEmpty(1).ToList();
            double lo = Math.Floor(Math.Log10(values.Min())), hi = Math.Ceiling(Math.Log10(values.Max()));
            if (hi <= lo) hi = lo + 1;
            int e0 = history[0].Epoch, e1 = Math.Max(history[^1].Epoch, e0 + 1);
            float X(double e) => L + (float)((e - e0) / (e1 - e0)) * (W - L - R);
            float Y(double v) => T + (float)((hi - Math.Log10(Math.Max(v, 1e-30))) / (hi - lo)) * (H - T - B);
            for (double d = lo; d <= hi; d++)
            {
                c.DrawLine(L, Y(Math.Pow(10, d)), W - R, Y(Math.Pow(10, d)), grid);
                c.DrawText($"1e{d:0}", 10, Y(Math.Pow(10, d)) + 5, text);
            }
            int step = Math.Max(1, (e1 - e0) / 10);
            for (int e = e0; e <= e1; e += step) c.DrawText(e.ToString(CultureInfo.InvariantCulture), X(e) - 5, H - B + 20, text);
            c.DrawText("epoch", W / 2f, H - 15, text);
            Series(c, history.Select(h => (X(h.Epoch), Y(h.TrainLoss))).ToList(), TrainColor);
            Series(c, history.Select(h => (X(h.Epoch), Y(h.ValidationLoss))).ToList(), ValColor);
            Series(c, history.Where(h => h.ValidationKeypointMse is not null).Select(h => (X(h.Epoch), Y(h.ValidationKeypointMse!.Value))).ToList(), KeypointColor);
        }
        c.DrawLine(L, T, L, H - B, axis);
        c.DrawLine(L, H - B, W - R, H - B, axis);
        var entries = new List<(string, SKColor)> { ($"train {lossName}", TrainColor), ($"validation {lossName}", ValColor) };
        if (history.Any(h => h.ValidationKeypointMse is not null)) entries.Add(("validation keypoint MSE", KeypointColor));
        Legend(c, W - 260, T + 10, text, entries);
        Save(bmp, path);
    }

    private static void Series(SKCanvas c, List<(float X, float Y)> points, SKColor color)
    {
        using var line = new SKPaint { Color = color, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var dot = new SKPaint { Color = color, IsAntialias = true };
        for (int i = 1; i < points.Count; i++) c.DrawLine(points[i - 1].X, points[i - 1].Y, points[i].X, points[i].Y, line);
        foreach (var (x, y) in points) c.DrawCircle(x, y, 3, dot);
    }

    private static void Legend(SKCanvas c, float x, float y, SKPaint text, IReadOnlyList<(string Label, SKColor Color)> entries)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            using var pen = new SKPaint { Color = entries[i].Color, StrokeWidth = 3 };
            c.DrawLine(x, y + 20 * i, x + 25, y + 20 * i, pen);
            c.DrawText(entries[i].Label, x + 32, y + 20 * i + 5, text);
        }
    }

    /// <summary>One panel of <see cref="Predictions"/>: a model-input image with its true and predicted points.</summary>
    public sealed record Panel(float[] Pixels, int Height, int Width, float[] Truth, float[] Prediction, string Caption);

    /// <summary>
    /// A row of panels: the grey model input (normalized pixels, upscaled), the truth in green and the prediction in red
    /// (normalized crop coordinates), each with a caption.
    /// </summary>
    public static void Predictions(IReadOnlyList<Panel> panels, string path, float panelWidth = 320)
    {
        if (panels.Count == 0) return;
        float scale = panelWidth / panels[0].Width;
        int pw = (int)panelWidth, ph = (int)(panels[0].Height * scale);
        using var bmp = new SKBitmap(pw * panels.Count, ph + 24);
        using var c = new SKCanvas(bmp);
        c.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        using var truth = new SKPaint { Color = SKColors.LimeGreen, IsAntialias = true };
        using var pred = new SKPaint { Color = SKColors.Red, IsAntialias = true };
        for (int i = 0; i < panels.Count; i++)
        {
            var p = panels[i];
            using var img = GreyBitmap(p.Pixels, p.Height, p.Width);
            var dest = new SKRect(i * pw, 0, (i + 1) * pw, ph);
            c.DrawBitmap(img, dest);
            float r = Math.Max(2f, pw / 120f);
            for (int k = 0; k + 1 < p.Truth.Length; k += 2) c.DrawCircle(dest.Left + p.Truth[k] * pw, p.Truth[k + 1] * ph, r, truth);
            for (int k = 0; k + 1 < p.Prediction.Length; k += 2) c.DrawCircle(dest.Left + p.Prediction[k] * pw, p.Prediction[k + 1] * ph, r, pred);
            c.DrawText(p.Caption, dest.Left + 4, ph + 17, text);
        }
        Save(bmp, path);
    }

    /// <summary>One row of <see cref="Heatmaps"/>: a model-input image, its target and predicted maps (each already the
    /// maximum over the keypoints' maps).</summary>
    public sealed record HeatmapRow(float[] Pixels, int Height, int Width, float[] Target, float[] Predicted, int MapHeight, int MapWidth, string Caption);

    /// <summary>
    /// One row per face: the grey input, the target heatmap, the predicted heatmap (nearest-neighbour upscaled, so cells
    /// stay visible), each map scaled from 0 to its own maximum, which the caption gives.
    /// </summary>
    public static void Heatmaps(IReadOnlyList<HeatmapRow> rows, string path, string title, int panel = 224)
    {
        if (rows.Count == 0) return;
        const int top = 24, caption = 20;
        using var bmp = new SKBitmap(3 * panel, top + rows.Count * (panel + caption));
        using var c = new SKCanvas(bmp);
        c.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        using var nearest = new SKPaint { FilterQuality = SKFilterQuality.None };
        c.DrawText(title, 4, 17, text);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            float y = top + r * (panel + caption);
            using var face = GreyBitmap(row.Pixels, row.Height, row.Width);
            c.DrawBitmap(face, new SKRect(0, y, panel, y + panel));
            c.DrawText(row.Caption, 4, y + panel + 15, text);
            for (int m = 0; m < 2; m++)
            {
                var map = m == 0 ? row.Target : row.Predicted;
                float max = map.Length == 0 ? 0 : map.Max();
                var scaled = map.Select(v => max > 0 ? Math.Clamp(v / max, 0f, 1f) - 0.5f : -0.5f).ToArray();
                using var img = GreyBitmap(scaled, row.MapHeight, row.MapWidth);
                float x = (m + 1) * panel;
                c.DrawBitmap(img, new SKRect(x, y, x + panel, y + panel), nearest);
                c.DrawText(string.Create(CultureInfo.InvariantCulture, $"{(m == 0 ? "target" : "predicted")} (max {max:G3})"), x + 4, y + panel + 15, text);
            }
        }
        Save(bmp, path);
    }

    /// <summary>First-layer filters [out, 1, k, k] as a grid of tiles, each scaled to its own min..max.</summary>
    public static void FilterGrid(float[] weights, int count, int kernel, string path, int tile = 28)
    {
        int cols = (int)Math.Ceiling(Math.Sqrt(count)), rows = (count + cols - 1) / cols;
        using var bmp = new SKBitmap(cols * (tile + 2), rows * (tile + 2));
        using var c = new SKCanvas(bmp);
        c.Clear(SKColors.White);
        for (int f = 0; f < count; f++)
        {
            var w = weights.AsSpan(f * kernel * kernel, kernel * kernel);
            float lo = float.MaxValue, hi = float.MinValue;
            foreach (var v in w) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            var px = new float[w.Length];
            for (int i = 0; i < w.Length; i++) px[i] = hi > lo ? (w[i] - lo) / (hi - lo) - 0.5f : 0f;
            using var img = GreyBitmap(px, kernel, kernel);
            int x = (f % cols) * (tile + 2) + 1, y = (f / cols) * (tile + 2) + 1;
            using var paint = new SKPaint { FilterQuality = SKFilterQuality.None };
            c.DrawBitmap(img, new SKRect(x, y, x + tile, y + tile), paint);
        }
        Save(bmp, path);
    }

    /// <summary>Normalized grey pixels (gray/255 - 0.5) back to an 8-bit image.</summary>
    private static SKBitmap GreyBitmap(float[] pixels, int height, int width)
    {
        var bmp = new SKBitmap(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte g = (byte)Math.Clamp((int)MathF.Round((pixels[y * width + x] + 0.5f) * 255f), 0, 255);
                bmp.SetPixel(x, y, new SKColor(g, g, g));
            }
        return bmp;
    }

    private static void Save(SKBitmap bmp, string path)
    {
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, s => data.SaveTo(s));
    }
}
