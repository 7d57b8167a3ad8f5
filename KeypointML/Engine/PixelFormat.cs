namespace KeypointML.Engine;

/// <summary>How one pixel of a decoded image is laid out in memory (bytes in memory order).</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel: a grey level.</summary>
    Gray8,
    /// <summary>Three bytes: red, green, blue (ImageSharp's <c>Rgb24</c>).</summary>
    Rgb24,
    /// <summary>Three bytes: blue, green, red (OpenCV's <c>Mat</c> of <c>CV_8UC3</c>).</summary>
    Bgr24,
    /// <summary>Four bytes: red, green, blue, alpha (ImageSharp's <c>Rgba32</c>, SkiaSharp's <c>Rgba8888</c>).</summary>
    Rgba32,
    /// <summary>Four bytes: blue, green, red, alpha (SkiaSharp's <c>Bgra8888</c>, the usual <c>SKBitmap</c>; OpenCV's <c>CV_8UC4</c>).</summary>
    Bgra32,
}

/// <summary>Facts about <see cref="PixelFormat"/>s.</summary>
public static class PixelFormats
{
    /// <summary>Bytes one pixel takes.</summary>
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Rgb24 or PixelFormat.Bgr24 => 3,
        PixelFormat.Rgba32 or PixelFormat.Bgra32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    /// <summary>Byte offsets of red, green and blue within a pixel (all 0 for grey).</summary>
    internal static (int R, int G, int B) ChannelOffsets(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => (0, 0, 0),
        PixelFormat.Rgb24 or PixelFormat.Rgba32 => (0, 1, 2),
        PixelFormat.Bgr24 or PixelFormat.Bgra32 => (2, 1, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };
}
