using System.Globalization;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// The cumulative error distribution (CED) the landmark field compares models by: for each NME e on [0, threshold], the
/// share of faces with NME at most e. A missed face (NME infinity) never counts, so a curve ends below 1 by the misses.
/// </summary>
public static class CedPlot
{
    private static readonly SKColor[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75), new(227, 119, 194),
        new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>Draws one curve per series (name, per-face NMEs as fractions) into a PNG at <paramref name="path"/>.</summary>
    public static void Write(IReadOnlyList<(string Name, IReadOnlyList<double> Nmes)> series, string path, string title, double threshold = 0.08)
    {
        const int W = 800, H = 520, L = 70, R = 20, T = 40, B = 60;
        using var chart = new ChartCanvas(W, H, title, L);
        SKBitmap bmp = chart.Bitmap;
        SKCanvas c = chart.Canvas;
        SKPaint axis = chart.Axis, grid = chart.Grid, text = chart.Text;
        // Legend entries sit at the right; the curves' left part stays free.
        float X(double e) => L + (float)(e / threshold) * (W - L - R);
        float Y(double share) => H - B - (float)share * (H - T - B);
        for (int i = 0; i <= 8; i++)
        {
            double e = threshold * i / 8;
            c.DrawLine(X(e), T, X(e), H - B, grid);
            c.DrawText((100 * e).ToString("0.#", CultureInfo.InvariantCulture) + "%", X(e) - 12, H - B + 20, text);
        }
        for (int i = 0; i <= 10; i++)
        {
            c.DrawLine(L, Y(i / 10.0), W - R, Y(i / 10.0), grid);
            c.DrawText((i / 10.0).ToString("0.0", CultureInfo.InvariantCulture), 25, Y(i / 10.0) + 5, text);
        }
        c.DrawText("NME (inter-ocular)", W / 2f - 60, H - 15, text);
        c.DrawLine(L, T, L, H - B, axis);
        c.DrawLine(L, H - B, W - R, H - B, axis);
        for (int s = 0; s < series.Count; s++)
        {
            var sorted = series[s].Nmes.Order().ToArray();
            int n = sorted.Length;
            if (n == 0) continue;
            using var line = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var curve = new SKPath();
            curve.MoveTo(X(0), Y(0));
            for (int i = 0; i < n && sorted[i] <= threshold; i++)
            {
                curve.LineTo(X(sorted[i]), Y((double)i / n));
                curve.LineTo(X(sorted[i]), Y((double)(i + 1) / n));
            }
            double atEnd = sorted.Count(v => v <= threshold) / (double)n;
            curve.LineTo(X(threshold), Y(atEnd));
            c.DrawPath(curve, line);
            using var pen = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 3 };
            // Legend bottom right, where the curves have not yet risen.
            float ly = H - B - 20 * (series.Count - s) - 10;
            c.DrawLine(W - 350, ly, W - 325, ly, pen);
            c.DrawText(series[s].Name, W - 318, ly + 5, text);
        }
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        Files.AtomicFile.Write(path, stream => data.SaveTo(stream));
    }
}
