using System.Buffers;
using System.Runtime.CompilerServices;
using KeypointML.Geometry;
using KeypointML.Engine;
using KeypointML.Preprocessing;
using Microsoft.ML.Data;

namespace KeypointML.Imaging;

/// <summary>
/// A model's input tensor straight from an image's pixels in one pass: crop (filled outside the image), grey levels,
/// resize and normalize fused, with no intermediate images. The values are those of the separate steps
/// (<see cref="ImageCropper"/> -> <see cref="ImageGrayscale"/> -> <see cref="ImageResampler"/> ->
/// <see cref="GrayscaleNormalization"/>): the same grey arithmetic, filter weights and order of sums, so the tensors, and
/// the points a model finds in them, are bit for bit the same.
/// </summary>
/// <remarks>
/// Why fused: the separate steps copy the crop, convert all of it, then resample it into a new image before the pixels
/// are read; together about 1 ms per face on one core, most of it allocation and copies. Here a face costs one grey
/// conversion of the crop's rows and the two filter passes, in pooled buffers.
/// <para>The source may be a JPEG decoded at a reduced scale (<see cref="ImageFileReader.ReadPixels(string, Func{int, int, int})"/>): the crop and
/// the filter are then placed in the reduced image, which changes the values slightly (the decoder's DCT-domain scaling
/// is not this triangle filter).</para>
/// </remarks>
public static class FaceTensorSampler
{
    private const int BytesPerPixel = 4;

    /// <summary>Fills <paramref name="tensor"/> (<paramref name="height"/> x <paramref name="width"/>, row by row) with the
    /// normalized grey levels of <paramref name="crop"/> of <paramref name="image"/> resized to that size; crop pixels
    /// outside the image have the grey level of <paramref name="fill"/>.</summary>
    public static void Sample(MLImage image, CropGeometry crop, byte fill, int width, int height, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.BitsPerPixel != BytesPerPixel * 8)
            throw new ArgumentException($"Only 32-bit images can be sampled; this one has {image.BitsPerPixel} bits per pixel.", nameof(image));
        bool bgra = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => true,
            MLPixelFormat.Rgba32 => false,
            var other => throw new ArgumentException($"Unsupported pixel format {other}.", nameof(image)),
        };
        Sample(new SourcePixels(image.Pixels, image.Width, image.Height, bgra), crop, fill, width, height, tensor);
        // The span points into the image's native pixels: the image must outlive the sampling.
        GC.KeepAlive(image);
    }

    /// <summary>An image's pixels in any <see cref="Engine.PixelFormat"/>, rows <c>Stride</c> bytes apart, which may be the
    /// full-size image decoded at a reduced scale (<c>ScaleX</c>, <c>ScaleY</c>: full-size pixels per stored pixel).</summary>
    internal readonly ref struct SourcePixels
    {
        public readonly ReadOnlySpan<byte> Pixels;
        public readonly int Width, Height, Stride;
        public readonly Engine.PixelFormat Format;
        public readonly float ScaleX, ScaleY;

        /// <summary>Packed 32-bit pixels, BGRA or RGBA.</summary>
        public SourcePixels(ReadOnlySpan<byte> pixels, int width, int height, bool bgra, float scaleX = 1, float scaleY = 1)
            : this(pixels, width, height, width * BytesPerPixel, bgra ? Engine.PixelFormat.Bgra32 : Engine.PixelFormat.Rgba32, scaleX, scaleY)
        {
        }

        public SourcePixels(ReadOnlySpan<byte> pixels, int width, int height, int stride, Engine.PixelFormat format, float scaleX = 1, float scaleY = 1)
        {
            Pixels = pixels;
            Width = width;
            Height = height;
            Stride = stride;
            Format = format;
            ScaleX = scaleX;
            ScaleY = scaleY;
        }

        /// <summary>A caller's decoded image, at full size.</summary>
        public static SourcePixels Of(Engine.ImagePixels image) => new(image.Pixels, image.Width, image.Height, image.Stride, image.Format);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Sample(SourcePixels source, CropGeometry crop, byte fill, int width, int height, Span<float> tensor)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"The tensor size must be positive; got {width} x {height}.");
        if (crop.Width <= 0 || crop.Height <= 0) throw new ArgumentException($"A crop must have a positive size; got {crop.Width} x {crop.Height}.", nameof(crop));
        if (tensor.Length != width * height) throw new ArgumentException($"The tensor holds {tensor.Length} values; {width} x {height} needs {width * height}.", nameof(tensor));
        int bpp = source.Format.BytesPerPixel();
        if (source.Pixels.Length < (long)(source.Height - 1) * source.Stride + (long)source.Width * bpp) throw new ArgumentException("The pixel buffer is smaller than the image.");

        var columns = FilterTaps.Of(crop.X0, crop.Width, width, source.ScaleX);
        var rows = FilterTaps.Of(crop.Y0, crop.Height, height, source.ScaleY);
        float fillLevel = ImageGrayscale.Level(fill, fill, fill);

        // The source rows and columns any tap reads (in the source's pixels).
        int rowFirst = rows.FirstIndex, rowCount = rows.LastIndex - rowFirst + 1;
        int colFirst = columns.FirstIndex, colCount = columns.LastIndex - colFirst + 1;
        var horizontal = ArrayPool<float>.Shared.Rent(rowCount * width);
        // One row's grey levels, plus room for the padded taps' reads past the last column (zeros: weight 0 times 0).
        var levels = ArrayPool<float>.Shared.Rent(colCount + columns.PaddedCount);
        try
        {
            levels.AsSpan(colCount, columns.PaddedCount).Clear();
            // Horizontal pass: each needed row's grey levels (fill outside the image), filtered to the output width. A row
            // wholly outside the image is all fill: filtered once, then copied.
            float[]? fillValues = null;
            for (int ry = 0; ry < rowCount; ry++)
            {
                int sy = rowFirst + ry;
                var dst = horizontal.AsSpan(ry * width, width);
                if (sy < 0 || sy >= source.Height)
                {
                    if (fillValues is null)
                    {
                        levels.AsSpan(0, colCount).Fill(fillLevel);
                        FilterKernels.Filter(columns, levels, colFirst, dst);
                        fillValues = dst.ToArray();
                    }
                    else fillValues.CopyTo(dst);
                    continue;
                }
                var line = source.Pixels.Slice(sy * source.Stride, source.Width * bpp);
                // Columns outside the image are fill; the inside ones are converted as one run.
                int inFirst = Math.Clamp(colFirst, 0, source.Width), inEnd = Math.Clamp(colFirst + colCount, 0, source.Width);
                var rowLevels = levels.AsSpan(0, colCount);
                rowLevels[..Math.Min(colCount, inFirst - colFirst)].Fill(fillLevel);
                if (inEnd > inFirst)
                {
                    ImageGrayscale.LevelsOfRun(line[(inFirst * bpp)..(inEnd * bpp)], source.Format, rowLevels.Slice(inFirst - colFirst, inEnd - inFirst));
                    rowLevels[(inEnd - colFirst)..].Fill(fillLevel);
                }
                else rowLevels.Fill(fillLevel);
                FilterKernels.Filter(columns, levels, colFirst, dst);
            }
            // Vertical pass, rounded to grey levels as an 8-bit image would hold them, then normalized.
            // Whole rows at a time (vectorized by the JIT's span arithmetic): each value still sums its taps in order k = 0, 1, ...
            var sums = ArrayPool<float>.Shared.Rent(width);
            try
            {
                for (int y = 0; y < height; y++)
                {
                    var (first, count, offset) = rows.Tap(y);
                    var acc = sums.AsSpan(0, width);
                    acc.Clear();
                    for (int k = 0; k < count; k++)
                        FilterKernels.MultiplyAdd(horizontal.AsSpan((first - rowFirst + k) * width, width), rows.Weights[offset + k], acc);
                    var dst = tensor.Slice(y * width, width);
                    for (int x = 0; x < width; x++)
                        dst[x] = GrayscaleNormalization.Normalize((byte)Math.Clamp(MathF.Round(acc[x]), 0, 255));
                }
            }
            finally { ArrayPool<float>.Shared.Return(sums); }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(horizontal);
            ArrayPool<float>.Shared.Return(levels);
        }
    }
}
