namespace KeypointML.Engine;

/// <summary>Copies between pixel formats, for the few places that need a packed 32-bit image (an <c>MLImage</c>).</summary>
internal static class PixelConversion
{
    /// <summary>The image as packed opaque BGRA bytes (<c>Width * Height * 4</c>).</summary>
    public static void ToBgra32(ImagePixels image, Span<byte> bgra)
    {
        if (bgra.Length < image.Width * image.Height * 4) throw new ArgumentException("The destination is smaller than the image.", nameof(bgra));
        var (r, g, b) = image.Format.ChannelOffsets();
        int bpp = image.BytesPerPixel;
        bool alpha = bpp == 4;
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            var dst = bgra.Slice(y * image.Width * 4, image.Width * 4);
            for (int x = 0, p = 0, o = 0; x < image.Width; x++, p += bpp, o += 4)
            {
                dst[o] = row[p + b];
                dst[o + 1] = row[p + g];
                dst[o + 2] = row[p + r];
                dst[o + 3] = alpha ? row[p + 3] : (byte)255;
            }
        }
    }
}
