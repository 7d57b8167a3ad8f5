using Microsoft.ML.Data;

namespace KeypointML.Imaging;

/// <summary>
/// Resizes <see cref="MLImage"/>s with pixel centres mapped as KeypointML's coordinates require (output pixel o covers
/// the same fraction of the image as input pixels around (o + 0.5) * scale - 0.5: edges map to edges, like PyTorch's
/// align_corners=false), using a triangle filter widened by the scale when shrinking (anti-aliased bilinear; the weights
/// are <see cref="FilterTaps"/>'s).
/// </summary>
/// <remarks>
/// Why not ImageAnalytics' ResizeImages: measured on a Gaussian spot, its Skia resampler moved the spot by up to half an
/// input pixel for some scales (e.g. 64 -> 32 px), which breaks the promise that normalized coordinates survive the resize.
/// </remarks>
public static class ImageResampler
{
    private const int Channels = 4;

    /// <summary>Returns <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/> (same pixel format).</summary>
    public static MLImage Resize(MLImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSize(width, height);
        if (image.BitsPerPixel != Channels * 8)
            throw new ArgumentException($"Only 32-bit images can be resized; this one has {image.BitsPerPixel} bits per pixel.", nameof(image));
        var format = image.PixelFormat;
        var dst = Resample(image.Pixels, image.Width, image.Height, Channels, width, height);
        // The span points into the image's native pixels: the image must outlive the resampling.
        GC.KeepAlive(image);
        return MLImage.CreateFromPixels(width, height, format, dst);
    }

    /// <summary>The 32-bit pixels of <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/>,
    /// in the image's own channel order, without making a new image (no native bitmap to keep alive).</summary>
    internal static byte[] ResizePixels(MLImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSize(width, height);
        if (image.BitsPerPixel != Channels * 8)
            throw new ArgumentException($"Only 32-bit images can be resized; this one has {image.BitsPerPixel} bits per pixel.", nameof(image));
        var dst = Resample(image.Pixels, image.Width, image.Height, Channels, width, height);
        GC.KeepAlive(image);
        return dst;
    }

    /// <summary>
    /// Resizes the grey image given by its <paramref name="levels"/> (<paramref name="sourceWidth"/> x
    /// <paramref name="sourceHeight"/>, row by row) into an opaque image (R = G = B) of pixel format <paramref name="format"/>;
    /// the same values as resizing that grey image with <see cref="Resize"/>, without making it.
    /// </summary>
    internal static MLImage ResizeLevels(ReadOnlySpan<byte> levels, int sourceWidth, int sourceHeight, int width, int height, MLPixelFormat format)
    {
        CheckSize(width, height);
        if (levels.Length != sourceWidth * sourceHeight)
            throw new ArgumentException($"{levels.Length} grey levels do not make a {sourceWidth} x {sourceHeight} image.", nameof(levels));
        return ImageGrayscale.FromLevels(Resample(levels, sourceWidth, sourceHeight, 1, width, height), width, height, format);
    }

    private static void CheckSize(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"The target size must be positive; got {width} x {height}.");
    }

    /// <summary>Resamples interleaved 8-bit pixels of <paramref name="channels"/> channels, each channel on its own.</summary>
    private static byte[] Resample(ReadOnlySpan<byte> src, int sw, int sh, int channels, int width, int height)
    {
        var columns = FilterTaps.Of(0, sw, width);
        var rows = FilterTaps.Of(0, sh, height);

        // Horizontal pass into floats (sh x width), then vertical pass into bytes (height x width).
        var horizontal = new float[sh * width * channels];
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < width; x++)
            {
                var (first, count, offset) = columns.Tap(x);
                int o = (y * width + x) * channels;
                for (int k = 0; k < count; k++)
                {
                    int s = (y * sw + first + k) * channels;
                    for (int c = 0; c < channels; c++) horizontal[o + c] += columns.Weights[offset + k] * src[s + c];
                }
            }
        var dst = new byte[height * width * channels];
        for (int y = 0; y < height; y++)
        {
            var (first, count, offset) = rows.Tap(y);
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                {
                    float sum = 0;
                    for (int k = 0; k < count; k++) sum += rows.Weights[offset + k] * horizontal[((first + k) * width + x) * channels + c];
                    dst[(y * width + x) * channels + c] = (byte)Math.Clamp(MathF.Round(sum), 0, 255);
                }
        }
        return dst;
    }
}
