using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using SkiaSharp;

namespace KeypointML.Imaging;

/// <summary>
/// Reads an image file into an <see cref="MLImage"/> (32-bit BGRA, as <c>MLImage.CreateFromFile</c> gives on this
/// platform) with a reason that says what is wrong when it cannot: no path, a folder, not found, empty, not an image in a
/// format the decoder knows, or truncated/corrupt data. A partial decode is an error, not a half-grey image. The EXIF
/// orientation is applied, so the image is the displayed one.
/// </summary>
/// <remarks>SkiaSharp's <see cref="SKCodec"/> decodes once and reports how the decode ended, which
/// <c>MLImage.CreateFromFile</c> does not. <see cref="ReadPixels(string, Func{int, int, int})"/> decodes into a pooled buffer instead of an image, and
/// JPEGs optionally at 1/2, 1/4 or 1/8 of their size in the DCT domain (libjpeg's scaled decoding, which the codec
/// exposes): a face that only has to become a 128-pixel tensor need not be decoded at 640 pixels.</remarks>
internal static class ImageFileReader
{
    /// <summary>The image at <paramref name="path"/>; <see cref="InvalidDataException"/> with the reason otherwise (the
    /// caller adds the component and row).</summary>
    public static MLImage Read(string path)
    {
        using var pixels = ReadPixels(path, static (_, _) => 1);
        return MLImage.CreateFromPixels(pixels.Width, pixels.Height, MLPixelFormat.Bgra32, pixels.Span);
    }

    /// <summary>
    /// The displayed image's BGRA pixels at <paramref name="path"/>, decoded at 1/<c>d</c> of its size where
    /// <paramref name="reduction"/> (given the displayed full width and height) answers <c>d</c> (1, 2, 4 or 8) and the
    /// format can (JPEG); other formats are decoded at full size. Dispose the result to return its buffer.
    /// </summary>
    public static DecodedPixels ReadPixels(string path, Func<int, int, int> reduction)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException("no image path: the path is empty");
        if (Directory.Exists(path)) throw new InvalidDataException($"'{path}' is a folder, not an image file");
        if (!File.Exists(path)) throw new FileNotFoundException($"image '{path}' not found", path);
        if (new FileInfo(path).Length == 0) throw new InvalidDataException($"image '{path}' is empty (0 bytes)");
        using var codec = SKCodec.Create(path, out var opened);
        return Decode(codec, opened, $"image '{path}'", reduction);
    }

    /// <summary>The displayed image's BGRA pixels from encoded bytes (JPEG, PNG, ...) held in memory; <paramref name="name"/>
    /// names the image in errors. Dispose the result to return its buffer.</summary>
    public static DecodedPixels ReadPixels(ReadOnlySpan<byte> encoded, string name, Func<int, int, int> reduction)
    {
        if (encoded.IsEmpty) throw new InvalidDataException($"{name} is empty (0 bytes)");
        using var data = SKData.CreateCopy(encoded);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var opened);
        return Decode(codec, opened, name, reduction);
    }

    private static DecodedPixels Decode(SKCodec? codec, SKCodecResult opened, string name, Func<int, int, int> reduction)
    {
        if (codec is null)
            throw new InvalidDataException($"{name} is not an image in a format the decoder reads (JPEG, PNG, BMP, GIF, WebP, ...): {Describe(opened)}");
        long count = (long)codec.Info.Width * codec.Info.Height;
        if (count > Transforms.KeypointDefaults.MaxImagePixels)
            throw new InvalidDataException($"{name} is {codec.Info.Width}x{codec.Info.Height} ({count / 1e6:F0} megapixels), more than the {Transforms.KeypointDefaults.MaxImagePixels / 1_000_000} megapixels KeypointML decodes");

        var origin = codec.EncodedOrigin;
        var (fullWidth, fullHeight) = ImageOrientation.Displayed(codec.Info.Width, codec.Info.Height, origin);
        int d = reduction(fullWidth, fullHeight);
        if (d is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(reduction), d, "A decode reduction is 1, 2, 4 or 8.");
        var size = d == 1 ? codec.Info.Size : codec.GetScaledDimensions(1f / d);
        var alpha = codec.Info.AlphaType == SKAlphaType.Unpremul ? SKAlphaType.Premul : codec.Info.AlphaType;
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888, alpha);
        int bytes = info.Width * info.Height * 4;
        var buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            SKCodecResult decoded;
            var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            try { decoded = codec.GetPixels(info, handle.AddrOfPinnedObject()); }
            finally { handle.Free(); }
            if (decoded != SKCodecResult.Success)
                throw new InvalidDataException($"{name} is truncated or corrupt ({Describe(decoded)}); a partial decode is not scored");
            if (origin is SKEncodedOrigin.TopLeft or 0)
                return new DecodedPixels(buffer, info.Width, info.Height, fullWidth, fullHeight);
            // Points live in the displayed image: apply the EXIF orientation (a phone photo stored sideways is turned upright).
            var (w, h) = ImageOrientation.Displayed(info.Width, info.Height, origin);
            var turned = ImageOrientation.Apply(buffer.AsSpan(0, bytes), info.Width, info.Height, origin);
            ArrayPool<byte>.Shared.Return(buffer);
            return new DecodedPixels(turned, w, h, fullWidth, fullHeight, pooled: false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends early",
        SKCodecResult.ErrorInInput => "the data is damaged",
        SKCodecResult.Unimplemented => "an encoding the decoder does not implement",
        SKCodecResult.InvalidInput or SKCodecResult.CouldNotRewind => "not image data",
        _ => result.ToString(),
    };
}

/// <summary>An image's displayed BGRA pixels, possibly decoded at a reduced size, in a (usually pooled) buffer.</summary>
internal sealed class DecodedPixels(byte[] buffer, int width, int height, int fullWidth, int fullHeight, bool pooled = true) : IDisposable
{
    private byte[]? _buffer = buffer;

    /// <summary>Stored size (the decoded one).</summary>
    public int Width { get; } = width;
    public int Height { get; } = height;
    /// <summary>The image's displayed full size, in whose pixels boxes and points are given.</summary>
    public int FullWidth { get; } = fullWidth;
    public int FullHeight { get; } = fullHeight;

    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(DecodedPixels))).AsSpan(0, Width * Height * 4);

    /// <summary>The pixels as the engine reads them (only for an image decoded at full size).</summary>
    public Engine.ImagePixels Image => Width == FullWidth && Height == FullHeight
        ? new(Span, Width, Height, Engine.PixelFormat.Bgra32)
        : throw new InvalidOperationException("A reduced decode is not the image's own pixels.");

    /// <summary>The pixels as the sampler reads them, with the full-size pixels per stored pixel on each axis.</summary>
    public FaceTensorSampler.SourcePixels Source => new(Span, Width, Height, bgra: true, (float)FullWidth / Width, (float)FullHeight / Height);

    public void Dispose()
    {
        if (_buffer is { } b && pooled) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}
