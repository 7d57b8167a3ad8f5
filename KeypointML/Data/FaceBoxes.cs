namespace KeypointML.Data;

/// <summary>
/// The face box vector (left, top, width, height in pixels) every dataset carries, and the check that it lies on the image.
/// </summary>
/// <remarks>
/// A box may cross the image edge: detector boxes routinely do, and <c>CropGeometry</c> fills the pixels outside.
/// A box with no positive size, or one that does not overlap the image at all, cannot hold a face of that image
/// and is rejected.
/// </remarks>
public static class FaceBoxes
{
    /// <summary>The whole image as the box, for datasets without face boxes (IMM, plain image folders).</summary>
    public static float[] WholeImage(int width, int height) => [0f, 0f, width, height];

    /// <summary>Why the box cannot be used on a <paramref name="imageWidth"/> x <paramref name="imageHeight"/> image, or null when it can.</summary>
    public static string? FindProblem(float left, float top, float width, float height, int imageWidth, int imageHeight)
    {
        if (!(width > 0) || !(height > 0))
            return $"the box (left {left}, top {top}, width {width}, height {height}) has no positive size.";
        if (left >= imageWidth || top >= imageHeight || left + width <= 0 || top + height <= 0)
            return $"the box (left {left}, top {top}, width {width}, height {height}) lies outside the {imageWidth}x{imageHeight} image.";
        return null;
    }
}
