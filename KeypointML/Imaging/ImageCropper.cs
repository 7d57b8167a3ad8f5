using KeypointML.Geometry;
using Microsoft.ML.Data;

namespace KeypointML.Imaging;

/// <summary>Pixel crops of <see cref="MLImage"/>s, with a fill colour where the crop reaches outside the image.</summary>
public static class ImageCropper
{
    /// <summary>Bytes per pixel of the 32-bit formats MLImage uses (Rgba32, Bgra32).</summary>
    private const int BytesPerPixel = 4;

    /// <summary>
    /// Copies the pixels of <paramref name="geometry"/> out of <paramref name="image"/>; pixels outside the image get the
    /// grey level <paramref name="fill"/> (opaque). The result has the image's pixel format and the crop's size.
    /// </summary>
    public static MLImage Crop(MLImage image, CropGeometry geometry, byte fill = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (geometry.Width <= 0 || geometry.Height <= 0)
            throw new ArgumentException($"A crop must have a positive size; got {geometry.Width} x {geometry.Height}.", nameof(geometry));
        if (image.BitsPerPixel != BytesPerPixel * 8)
            throw new ArgumentException($"Only 32-bit images can be cropped; this one has {image.BitsPerPixel} bits per pixel.", nameof(image));

        ReadOnlySpan<byte> src = image.Pixels;
        int srcStride = image.Width * BytesPerPixel, dstStride = geometry.Width * BytesPerPixel;
        var dst = new byte[dstStride * geometry.Height];
        FillOpaque(dst, fill);

        // Only the part of the crop that overlaps the image is copied, one row span at a time.
        int x0 = Math.Max(geometry.X0, 0), x1 = Math.Min(geometry.X0 + geometry.Width, image.Width);
        int y0 = Math.Max(geometry.Y0, 0), y1 = Math.Min(geometry.Y0 + geometry.Height, image.Height);
        if (x0 < x1)
        {
            int rowBytes = (x1 - x0) * BytesPerPixel;
            for (int y = y0; y < y1; y++)
                src.Slice(y * srcStride + x0 * BytesPerPixel, rowBytes)
                   .CopyTo(dst.AsSpan((y - geometry.Y0) * dstStride + (x0 - geometry.X0) * BytesPerPixel, rowBytes));
        }
        var format = image.PixelFormat;
        // The span points into the image's native pixels: the image must outlive the copy.
        GC.KeepAlive(image);
        return MLImage.CreateFromPixels(geometry.Width, geometry.Height, format, dst);
    }

    // Grey fill is the same in RGBA and BGRA; alpha is the 4th byte in both.
    private static void FillOpaque(Span<byte> pixels, byte grey)
    {
        pixels.Fill(grey);
        for (int i = BytesPerPixel - 1; i < pixels.Length; i += BytesPerPixel) pixels[i] = 255;
    }
}
