using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Data;

namespace KeypointML.Imaging;

/// <summary>
/// Grey levels of <see cref="MLImage"/>s, computed in managed code with the arithmetic of ImageAnalytics'
/// ConvertToGrayscale (Skia's colour matrix <c>0.3 R + 0.59 G + 0.11 B</c> in single precision, rounded half to even).
/// </summary>
/// <remarks>
/// Why not ConvertToGrayscale: ML.NET 5.0.1's <c>MLImage.CloneWithGrayscale</c> allocates an extra SKBitmap that it
/// never uses. SkiaSharp 2.88's SKBitmap constructor does not keep the object alive while
/// <c>sk_bitmap_try_alloc_pixels</c> runs, so a garbage collection at that moment (any thread allocating: ML.NET's
/// parallel cursors, the caller) lets the finalizer destroy the native bitmap while Skia is still writing into it, which
/// corrupts the native heap ("malloc(): unsorted double linked list corrupted", SIGSEGV in sk_bitmap_try_alloc_pixels).
/// On x64 the levels equal ConvertToGrayscale's for every opaque colour (checked on all 2^24 by the tests); Skia builds
/// that fuse multiply-adds (e.g. arm64) can differ by one level at exact halves.
/// </remarks>
public static class ImageGrayscale
{
    private const int BytesPerPixel = 4;

    // Skia reads a byte as b * (1/255f) and multiplies by the matrix row; one table per channel keeps those products exact.
    private static readonly float[] RedTerm = Term(0.3f), GreenTerm = Term(0.59f), BlueTerm = Term(0.11f);

    /// <summary>
    /// The grey level (0..255) of each pixel of <paramref name="image"/>, row by row (<c>Width * Height</c> bytes).
    /// Pixels are taken as stored (premultiplied), so transparent parts count as black, as drawn over a black canvas.
    /// </summary>
    public static byte[] Levels(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.BitsPerPixel != BytesPerPixel * 8)
            throw new ArgumentException($"Only 32-bit images can be converted; this one has {image.BitsPerPixel} bits per pixel.", nameof(image));
        bool bgra = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => true,
            MLPixelFormat.Rgba32 => false,
            var other => throw new ArgumentException($"Unsupported pixel format {other}.", nameof(image)),
        };
        var levels = new byte[image.Width * image.Height];
        LevelsOfRun(image.Pixels, bgra, levels);
        // The span points into the image's native pixels: the image must outlive the loop.
        GC.KeepAlive(image);
        return levels;
    }

    /// <summary>
    /// Grey levels of a run of 32-bit pixels (BGRA when <paramref name="bgra"/>, else RGBA) into <paramref name="levels"/>,
    /// one per pixel: <see cref="Level"/>'s values, 8 pixels at a time where the CPU has 256-bit vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LevelsOfRun(ReadOnlySpan<byte> pixels, bool bgra, Span<byte> levels)
    {
        int n = levels.Length;
        if (pixels.Length < n * BytesPerPixel) throw new ArgumentException($"{pixels.Length} bytes do not hold {n} pixels.", nameof(pixels));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Span<int> rounded = stackalloc int[Vector256<int>.Count];
            for (; i + Vector256<int>.Count <= n; i += Vector256<int>.Count)
            {
                Vector256.ConvertToInt32(LevelVector(pixels, i, bgra)).CopyTo(rounded);
                for (int k = 0; k < rounded.Length; k++) levels[i + k] = (byte)rounded[k];
            }
        }
        for (; i < n; i++) levels[i] = LevelAt(pixels, i, bgra);
    }

    /// <summary>The same grey levels as floats (whole numbers 0..255), for the sampler's filter, which computes in floats:
    /// no byte store and reload per pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LevelsOfRun(ReadOnlySpan<byte> pixels, bool bgra, Span<float> levels)
    {
        int n = levels.Length;
        if (pixels.Length < n * BytesPerPixel) throw new ArgumentException($"{pixels.Length} bytes do not hold {n} pixels.", nameof(pixels));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
                LevelVector(pixels, i, bgra).CopyTo(levels.Slice(i, Vector256<float>.Count));
        for (; i < n; i++) levels[i] = LevelAt(pixels, i, bgra);
    }

    /// <summary>Grey levels (as floats) of a run of pixels in any <see cref="Engine.PixelFormat"/>: the same levels as
    /// <see cref="Level"/> gives for the pixel's red, green and blue (a grey pixel v counts as v, v, v).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LevelsOfRun(ReadOnlySpan<byte> pixels, Engine.PixelFormat format, Span<float> levels)
    {
        switch (format)
        {
            case Engine.PixelFormat.Bgra32: LevelsOfRun(pixels, bgra: true, levels); return;
            case Engine.PixelFormat.Rgba32: LevelsOfRun(pixels, bgra: false, levels); return;
            case Engine.PixelFormat.Gray8:
                if (pixels.Length < levels.Length) throw new ArgumentException($"{pixels.Length} bytes do not hold {levels.Length} pixels.", nameof(pixels));
                for (int i = 0; i < levels.Length; i++) levels[i] = GreyLevel[pixels[i]];
                return;
            default:
                var (r, g, b) = Engine.PixelFormats.ChannelOffsets(format);
                if (pixels.Length < levels.Length * 3) throw new ArgumentException($"{pixels.Length} bytes do not hold {levels.Length} pixels.", nameof(pixels));
                for (int i = 0, p = 0; i < levels.Length; i++, p += 3) levels[i] = Level(pixels[p + r], pixels[p + g], pixels[p + b]);
                return;
        }
    }

    // Level(v, v, v) for each grey byte: a Gray8 image gives the levels of the same picture stored as colour.
    private static readonly float[] GreyLevel = [.. Enumerable.Range(0, 256).Select(v => (float)Level((byte)v, (byte)v, (byte)v))];

    // Pixels i .. i + 7 as grey levels, rounded: the same single-precision steps as the tables, (c * (1/255f)) * weight
    // per channel, r + (g + b), clamp, * 255, round half to even. Separate multiplies and adds (Vector256's operators do
    // not fuse them).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LevelVector(ReadOnlySpan<byte> pixels, int i, bool bgra)
    {
        int rShift = bgra ? 16 : 0, bShift = bgra ? 0 : 16;
        var mask = Vector256.Create(0xFF);
        var inv = Vector256.Create(1 / 255f);
        var px = Vector256.Create<int>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(pixels.Slice(i * BytesPerPixel, Vector256<int>.Count * BytesPerPixel)));
        var r = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(px, rShift) & mask);
        var g = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(px, 8) & mask);
        var b = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(px, bShift) & mask);
        var v = (r * inv) * Vector256.Create(0.3f) + ((g * inv) * Vector256.Create(0.59f) + (b * inv) * Vector256.Create(0.11f));
        v = Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256.Create(1f)) * Vector256.Create(255f);
        return Vector256.Round(v);
    }

    private static byte LevelAt(ReadOnlySpan<byte> pixels, int i, bool bgra)
    {
        int p = i * BytesPerPixel;
        return bgra ? Level(pixels[p + 2], pixels[p + 1], pixels[p]) : Level(pixels[p], pixels[p + 1], pixels[p + 2]);
    }

    /// <summary>
    /// A new opaque image of <paramref name="image"/>'s size and pixel format with R = G = B = its grey level (what
    /// ConvertToGrayscale gives, which always answers Bgra32). The caller owns (disposes) the result; the input is untouched.
    /// </summary>
    public static MLImage Convert(MLImage image)
    {
        var levels = Levels(image);
        return FromLevels(levels, image.Width, image.Height, image.PixelFormat);
    }

    /// <summary>The grey level of one colour (0..255 channels).</summary>
    public static byte Level(byte red, byte green, byte blue)
    {
        // Same order of single-precision operations as Skia's matrix stage: r*m0 + (g*m1 + (b*m2 + (a*m3 + m4))), with
        // a*m3 + m4 = 0 here; then clamped to [0, 1] and scaled to 255 with round-half-even (cvtps2dq).
        float v = RedTerm[red] + (GreenTerm[green] + BlueTerm[blue]);
        return (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.ToEven);
    }

    /// <summary>An opaque 32-bit image with R = G = B = <paramref name="levels"/> (row by row).</summary>
    internal static MLImage FromLevels(ReadOnlySpan<byte> levels, int width, int height, MLPixelFormat format)
    {
        if (levels.Length != width * height)
            throw new ArgumentException($"{levels.Length} grey levels do not make a {width} x {height} image.", nameof(levels));
        var pixels = new byte[levels.Length * BytesPerPixel];
        for (int i = 0, p = 0; i < levels.Length; i++, p += BytesPerPixel)
        {
            byte v = levels[i];
            pixels[p] = v;
            pixels[p + 1] = v;
            pixels[p + 2] = v;
            pixels[p + 3] = 255; // alpha is the 4th byte in both Rgba32 and Bgra32
        }
        return MLImage.CreateFromPixels(width, height, format, pixels);
    }

    private static float[] Term(float weight)
    {
        var t = new float[256];
        for (int i = 0; i < t.Length; i++) t[i] = i * (1 / 255f) * weight;
        return t;
    }
}
