namespace KeypointML.Engine;

/// <summary>
/// A decoded image the caller already holds, read in place (no copy): a camera frame, a video frame, an <c>SKBitmap</c>'s
/// pixels, an ImageSharp <c>Image&lt;Rgba32&gt;</c>'s rows, an OpenCV <c>Mat</c>'s data. Rows may be padded
/// (<see cref="Stride"/> bytes apart, at least <c>Width</c> pixels). Points and boxes come back in its pixels
/// (0-based, the centre of pixel k at k).
/// </summary>
/// <remarks>A ref struct over a span: the memory must stay valid for the call, nothing keeps it afterwards.</remarks>
public readonly ref struct ImagePixels
{
    /// <summary>The pixels, row by row, <see cref="Stride"/> bytes apart.</summary>
    public ReadOnlySpan<byte> Pixels { get; }
    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Bytes from the start of one row to the start of the next.</summary>
    public int Stride { get; }
    /// <summary>The layout of one pixel.</summary>
    public PixelFormat Format { get; }

    /// <summary>An image of <paramref name="width"/> x <paramref name="height"/> pixels in <paramref name="format"/>, rows
    /// <paramref name="stride"/> bytes apart (0 = packed rows: width x bytes per pixel).</summary>
    /// <exception cref="ArgumentException">The size, stride or buffer length does not fit; the message says which.</exception>
    public ImagePixels(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, int stride = 0)
    {
        int bpp = format.BytesPerPixel();
        if (width <= 0 || height <= 0) throw new ArgumentException($"An image needs a positive size; got {width} x {height}.", nameof(width));
        if (stride == 0) stride = width * bpp;
        if (stride < width * bpp)
            throw new ArgumentException($"The stride {stride} is shorter than a row of {width} {format} pixels ({width * bpp} bytes).", nameof(stride));
        long needed = (long)(height - 1) * stride + (long)width * bpp;
        if (pixels.Length < needed)
            throw new ArgumentException($"{width} x {height} {format} pixels with stride {stride} need {needed} bytes; the buffer holds {pixels.Length}.", nameof(pixels));
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
    }

    /// <summary>Bytes per pixel of <see cref="Format"/>.</summary>
    public int BytesPerPixel => Format.BytesPerPixel();

    /// <summary>Row <paramref name="y"/>'s <see cref="Width"/> pixels.</summary>
    public ReadOnlySpan<byte> Row(int y) => Pixels.Slice(y * Stride, Width * BytesPerPixel);
}
