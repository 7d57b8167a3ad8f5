using System.Buffers;
using System.Runtime.CompilerServices;
using KeypointML.Imaging;

namespace KeypointML.Engine;

/// <summary>A detector's input planes from a decoded image: resized with the library's one filter (<see cref="FilterTaps"/>,
/// anti-aliased when shrinking), channels as separate planes, zero padding to the right and bottom.</summary>
internal static class DetectorInput
{
    /// <summary>Three <paramref name="width"/> x <paramref name="height"/> planes turned clockwise by <paramref name="turns"/>
    /// quarter turns, written at the top left of zeroed planes of <paramref name="paddedWidth"/> x <paramref name="paddedHeight"/>.</summary>
    public static void Turn(ReadOnlySpan<float> upright, int width, int height, int turns, int paddedWidth, int paddedHeight, Span<float> planes)
    {
        planes.Clear();
        int plane = width * height, padded = paddedWidth * paddedHeight;
        for (int ch = 0; ch < 3; ch++)
        {
            var src = upright.Slice(ch * plane, plane);
            var dst = planes.Slice(ch * padded, padded);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    // Pixel (x, y) of the upright image lands at (x', y') of the turned one.
                    var (tx, ty) = turns switch
                    {
                        1 => (height - 1 - y, x),
                        2 => (width - 1 - x, height - 1 - y),
                        3 => (y, width - 1 - x),
                        _ => (x, y),
                    };
                    dst[ty * paddedWidth + tx] = src[y * width + x];
                }
        }
    }

    /// <summary>Writes the square of side <paramref name="side"/> image pixels centred on (<paramref name="centerX"/>,
    /// <paramref name="centerY"/>) and turned by <paramref name="roll"/> radians (a face's roll: the square's axes are the
    /// face's, so the face comes out level), sampled bilinearly to <paramref name="size"/> x <paramref name="size"/> at the
    /// top left of zeroed B, G, R planes of <paramref name="padded"/> x <paramref name="padded"/>; outside the image is 0.</summary>
    /// <remarks>Bilinear without averaging: the detector's second look only enlarges (its square is never shrunk).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LevelledBgrPlanes(ImagePixels image, float centerX, float centerY, float side, float roll, int size, int padded, Span<float> planes)
    {
        int plane = padded * padded;
        if (size > padded || planes.Length != 3 * plane) throw new ArgumentException($"{planes.Length} values do not make 3 planes of {padded} x {padded} holding {size} x {size}.", nameof(planes));
        planes.Clear();
        var (ro, go, bo) = image.Format.ChannelOffsets();
        float step = side / size, cos = MathF.Cos(roll), sin = MathF.Sin(roll);
        Span<float> sum = stackalloc float[4];
        for (int v = 0; v < size; v++)
            for (int u = 0; u < size; u++)
            {
                // Output pixel centre -> offset in the face's frame -> image (pixel centres at whole numbers).
                float du = (u + 0.5f - size / 2f) * step, dv = (v + 0.5f - size / 2f) * step;
                float x = centerX + cos * du - sin * dv, y = centerY + sin * du + cos * dv;
                sum.Clear();
                PixelSampling.AddBilinear(image, x, y, sum);
                int o = v * padded + u;
                planes[o] = sum[bo];
                planes[plane + o] = sum[go];
                planes[2 * plane + o] = sum[ro];
            }
    }

    /// <summary>Writes the part <paramref name="source"/> of the image (inside it) resized to <paramref name="width"/> x
    /// <paramref name="height"/> at the top left of zeroed B, G, R planes (values 0..255, YuNet's input) of
    /// <paramref name="paddedWidth"/> x <paramref name="paddedHeight"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BgrPlanes(ImagePixels image, PixelRect source, int width, int height, int paddedWidth, int paddedHeight, Span<float> planes)
    {
        if (source.X < 0 || source.Y < 0 || source.Width <= 0 || source.Height <= 0 || source.X + source.Width > image.Width || source.Y + source.Height > image.Height)
            throw new ArgumentException($"The source rectangle {source} is not inside the {image.Width} x {image.Height} image.", nameof(source));
        if (width > paddedWidth || height > paddedHeight)
            throw new ArgumentException("The resized part does not fit the planes.");
        int plane = paddedWidth * paddedHeight;
        if (planes.Length != 3 * plane) throw new ArgumentException($"{planes.Length} values do not make 3 planes of {paddedWidth} x {paddedHeight}.", nameof(planes));
        planes.Clear();
        var (ro, go, bo) = image.Format.ChannelOffsets();
        int bpp = image.BytesPerPixel;
        if (width == source.Width && height == source.Height)
        {
            CopyPlanes(image, source, bpp, (ro, go, bo), paddedWidth, plane, planes);
            return;
        }
        var columns = FilterTaps.Of(source.X, source.Width, width);
        var rows = FilterTaps.Of(source.Y, source.Height, height);
        // Horizontal pass over every source row (three channels, interleaved B, G, R per output), then the vertical pass.
        var horizontal = ArrayPool<float>.Shared.Rent(source.Height * width * 3);
        try
        {
            for (int y = 0; y < source.Height; y++)
            {
                var row = image.Row(source.Y + y);
                var dst = horizontal.AsSpan(y * width * 3, width * 3);
                for (int x = 0; x < width; x++)
                {
                    var (first, count, offset) = columns.Tap(x);
                    float b = 0, g = 0, r = 0;
                    for (int k = 0; k < count; k++)
                    {
                        float wk = columns.Weights[offset + k];
                        int p = (first + k) * bpp;
                        b += wk * row[p + bo];
                        g += wk * row[p + go];
                        r += wk * row[p + ro];
                    }
                    dst[3 * x] = b;
                    dst[3 * x + 1] = g;
                    dst[3 * x + 2] = r;
                }
            }
            for (int y = 0; y < height; y++)
            {
                var (first, count, offset) = rows.Tap(y);
                int o = y * paddedWidth;
                for (int k = 0; k < count; k++)
                {
                    float wk = rows.Weights[offset + k];
                    var src = horizontal.AsSpan((first - source.Y + k) * width * 3, width * 3);
                    for (int x = 0; x < width; x++)
                    {
                        planes[o + x] += wk * src[3 * x];
                        planes[plane + o + x] += wk * src[3 * x + 1];
                        planes[2 * plane + o + x] += wk * src[3 * x + 2];
                    }
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(horizontal); }
    }

    // The part `source` of the image as B, G, R planes at its own size (the detector's first search at full scale, the
    // common case): one pass over the pixels without bounds checks (a third of the checked loop's time at 640 x 480).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyPlanes(ImagePixels image, PixelRect source, int bpp, (int R, int G, int B) offsets, int paddedWidth, int plane, Span<float> planes)
    {
        fixed (float* output = planes)
            for (int y = 0; y < source.Height; y++)
            {
                var row = image.Row(source.Y + y).Slice(source.X * bpp, source.Width * bpp);
                fixed (byte* pixels = row)
                {
                    float* b = output + y * paddedWidth, g = b + plane, r = g + plane;
                    byte* p = pixels;
                    for (int x = 0; x < source.Width; x++, p += bpp)
                    {
                        b[x] = p[offsets.B];
                        g[x] = p[offsets.G];
                        r[x] = p[offsets.R];
                    }
                }
            }
    }

    /// <summary>Resizes three planes of <paramref name="width"/> x <paramref name="height"/> (rows <paramref name="stride"/>
    /// values apart, planes <paramref name="planeStride"/> apart: a padded detector input can be read as it is) to
    /// <paramref name="outWidth"/> x <paramref name="outHeight"/>, written at the top left of zeroed planes of
    /// <paramref name="paddedWidth"/> x <paramref name="paddedHeight"/>, with the library's one filter.</summary>
    /// <remarks>The detector's smaller searches are made from its first search's planes, not from the image again (the
    /// pixels are converted once). Rows first: each output row is a weighted sum of whole source rows (contiguous, vector
    /// arithmetic), and only the output rows are then filtered across, which on a quarter-size copy of a 640 x 480 photo
    /// costs a fifth of filtering every source row across first (the order of the sums differs from
    /// <see cref="BgrPlanes"/>' by float rounding only).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Resize(ReadOnlySpan<float> planes, int width, int height, int stride, int planeStride,
        int outWidth, int outHeight, int paddedWidth, int paddedHeight, Span<float> output)
    {
        if (outWidth > paddedWidth || outHeight > paddedHeight) throw new ArgumentException("The resized planes do not fit the output.");
        int outPlane = paddedWidth * paddedHeight;
        if (output.Length != 3 * outPlane) throw new ArgumentException($"{output.Length} values do not make 3 planes of {paddedWidth} x {paddedHeight}.", nameof(output));
        if (planes.Length < 2 * planeStride + (height - 1) * stride + width) throw new ArgumentException("The source planes are smaller than their size.", nameof(planes));
        output.Clear();
        var columns = FilterTaps.Of(0, width, outWidth);
        var rows = FilterTaps.Of(0, height, outHeight);
        // One output row before it is filtered across, plus the padded taps' reads past its end (weight 0).
        var line = ArrayPool<float>.Shared.Rent(width + columns.PaddedCount);
        try
        {
            var acc = line.AsSpan(0, width);
            line.AsSpan(width, columns.PaddedCount).Clear();
            for (int ch = 0; ch < 3; ch++)
            {
                var source = planes.Slice(ch * planeStride);
                var target = output.Slice(ch * outPlane, outPlane);
                for (int y = 0; y < outHeight; y++)
                {
                    var (first, count, offset) = rows.Tap(y);
                    acc.Clear();
                    for (int k = 0; k < count; k++)
                        FilterKernels.MultiplyAdd(source.Slice((first + k) * stride, width), rows.Weights[offset + k], acc);
                    FilterKernels.Filter(columns, line, 0, target.Slice(y * paddedWidth, outWidth));
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(line); }
    }
}

/// <summary>A rectangle of whole pixels: columns X .. X + Width - 1, rows Y .. Y + Height - 1.</summary>
internal readonly record struct PixelRect(int X, int Y, int Width, int Height);
