using SkiaSharp;

namespace KeypointML.Imaging;

/// <summary>
/// EXIF orientation: phones store a photo as the sensor saw it and record how to turn it for display. KeypointML works in
/// the displayed image's coordinates, so images are turned on load and their size is the displayed size.
/// </summary>
internal static class ImageOrientation
{
    /// <summary>Whether the origin swaps width and height (the four orientations that turn by 90 degrees).</summary>
    public static bool SwapsSides(SKEncodedOrigin origin) => origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
        or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>The displayed size of a stored <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static (int Width, int Height) Displayed(int width, int height, SKEncodedOrigin origin) =>
        SwapsSides(origin) ? (height, width) : (width, height);

    /// <summary>The displayed image's 4-byte pixels from the stored ones (<paramref name="width"/> x <paramref name="height"/>).</summary>
    public static byte[] Apply(ReadOnlySpan<byte> stored, int width, int height, SKEncodedOrigin origin)
    {
        var (dw, dh) = Displayed(width, height, origin);
        var displayed = new byte[dw * dh * 4];
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++)
            {
                // The stored pixel shown at displayed (x, y), per EXIF's eight orientations.
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (width - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (width - 1 - x, height - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, height - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, height - 1 - x),
                    SKEncodedOrigin.RightBottom => (width - 1 - y, height - 1 - x),
                    SKEncodedOrigin.LeftBottom => (width - 1 - y, x),
                    _ => (x, y),
                };
                stored.Slice((sy * width + sx) * 4, 4).CopyTo(displayed.AsSpan((y * dw + x) * 4, 4));
            }
        return displayed;
    }
}
