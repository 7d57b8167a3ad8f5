using SkiaSharp;

namespace KeypointML.Data;

/// <summary>
/// Image sizes from the file header alone. Readers need width and height (IMM points are relative to them; boxes are
/// checked against them) but must not decode pixels, so that listing a dataset stays cheap and the IDataView streams.
/// </summary>
/// <remarks>
/// <see cref="SKCodec"/> parses only the header when created. The size is the displayed size: an EXIF orientation that
/// turns the image by 90 degrees swaps width and height, as loading the image does.
/// </remarks>
public static class ImageHeader
{
    /// <summary>
    /// Reads the image size, or throws a <see cref="KeypointDataException"/> located at <paramref name="referencedFrom"/>
    /// (the label file and line that names the image) when the image is missing or its header is not an image's.
    /// </summary>
    public static (int Width, int Height) ReadSize(string imagePath, string referencedFrom, int? line = null, string? entry = null)
    {
        if (!File.Exists(imagePath))
            throw new KeypointDataException(referencedFrom, line, entry, $"the image file '{imagePath}' does not exist.");
        using var codec = SKCodec.Create(imagePath, out var result);
        if (codec is null)
            throw new KeypointDataException(referencedFrom, line, entry, $"the image file '{imagePath}' has no readable image header ({result}).");
        var info = codec.Info;
        return Imaging.ImageOrientation.Displayed(info.Width, info.Height, codec.EncodedOrigin);
    }
}
