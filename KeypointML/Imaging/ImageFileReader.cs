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
/// <c>MLImage.CreateFromFile</c> does not; the pixels are then copied into the MLImage.</remarks>
internal static class ImageFileReader
{
    /// <summary>The image at <paramref name="path"/>; <see cref="InvalidDataException"/> with the reason otherwise (the
    /// caller adds the component and row).</summary>
    public static MLImage Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException("no image path: the path is empty");
        if (Directory.Exists(path)) throw new InvalidDataException($"'{path}' is a folder, not an image file");
        if (!File.Exists(path)) throw new FileNotFoundException($"image '{path}' not found", path);
        if (new FileInfo(path).Length == 0) throw new InvalidDataException($"image '{path}' is empty (0 bytes)");
        using var codec = SKCodec.Create(path, out var opened);
        if (codec is null)
            throw new InvalidDataException($"'{path}' is not an image in a format the decoder reads (JPEG, PNG, BMP, GIF, WebP, ...): {Describe(opened)}");
        long pixels = (long)codec.Info.Width * codec.Info.Height;
        if (pixels > Transforms.KeypointDefaults.MaxImagePixels)
            throw new InvalidDataException($"image '{path}' is {codec.Info.Width}x{codec.Info.Height} ({pixels / 1e6:F0} megapixels), more than the {Transforms.KeypointDefaults.MaxImagePixels / 1_000_000} megapixels KeypointML decodes");
        var alpha = codec.Info.AlphaType == SKAlphaType.Unpremul ? SKAlphaType.Premul : codec.Info.AlphaType;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, alpha);
        using var bitmap = new SKBitmap(info);
        var decoded = codec.GetPixels(info, bitmap.GetPixels());
        if (decoded != SKCodecResult.Success)
            throw new InvalidDataException($"image '{path}' is truncated or corrupt ({Describe(decoded)}); a partial decode is not scored");
        // Points live in the displayed image: apply the EXIF orientation (a phone photo stored sideways is turned upright).
        var origin = codec.EncodedOrigin;
        MLImage image;
        if (origin is SKEncodedOrigin.TopLeft or 0)
            image = MLImage.CreateFromPixels(info.Width, info.Height, MLPixelFormat.Bgra32, bitmap.GetPixelSpan());
        else
        {
            var (w, h) = ImageOrientation.Displayed(info.Width, info.Height, origin);
            image = MLImage.CreateFromPixels(w, h, MLPixelFormat.Bgra32, ImageOrientation.Apply(bitmap.GetPixelSpan(), info.Width, info.Height, origin));
        }
        GC.KeepAlive(bitmap);
        return image;
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
