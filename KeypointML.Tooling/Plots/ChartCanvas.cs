using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>A white chart of a given size with a title and the paints every chart shares (axis, grid, text).</summary>
internal sealed class ChartCanvas : IDisposable
{
    public ChartCanvas(int width, int height, string title, float titleX)
    {
        Bitmap = new SKBitmap(width, height);
        Canvas = new SKCanvas(Bitmap);
        Canvas.Clear(SKColors.White);
        Canvas.DrawText(title, titleX, 25, Text);
    }

    public SKBitmap Bitmap { get; }
    public SKCanvas Canvas { get; }
    public SKPaint Axis { get; } = new() { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = true };
    public SKPaint Grid { get; } = new() { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
    public SKPaint Text { get; } = new() { Color = SKColors.Black, TextSize = 14, IsAntialias = true };

    public void Dispose()
    {
        Axis.Dispose();
        Grid.Dispose();
        Text.Dispose();
        Canvas.Dispose();
        Bitmap.Dispose();
    }
}
