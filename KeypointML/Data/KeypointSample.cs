using Microsoft.ML.Data;

namespace KeypointML.Data;

/// <summary>
/// One face of a dataset as a plain C# record (what the training code iterates); its properties are also the
/// <c>IDataView</c> columns (<see cref="KeypointColumns"/>).
/// </summary>
/// <param name="ImagePath">Absolute path of the image file.</param>
/// <param name="Width">Image width in pixels, read from the image header (the image is not decoded).</param>
/// <param name="Height">Image height in pixels, read from the image header.</param>
/// <param name="Box">Face box left, top, width, height in pixels; the whole image when the dataset has no boxes.</param>
/// <param name="Keypoints">x0, y0, x1, y1, ... in 0-based pixel coordinates of the image; empty for unlabelled images.</param>
public record KeypointSample(string ImagePath, int Width, int Height, float[] Box, float[] Keypoints)
{
    /// <summary>Number of floats in <see cref="Box"/>.</summary>
    public const int BoxLength = 4;

    /// <summary>Number of keypoints (half the vector length); not a data-view column.</summary>
    [NoColumn]
    public int KeypointCount => Keypoints.Length / 2;
}
