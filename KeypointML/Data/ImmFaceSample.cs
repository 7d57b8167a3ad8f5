namespace KeypointML.Data;

/// <summary>
/// One IMM Face Database image: the common <see cref="KeypointSample"/> columns plus who and which view, which
/// the standard split (by person) and per-view evaluation need.
/// </summary>
/// <param name="ImagePath">Absolute path of the image file.</param>
/// <param name="Width">Image width in pixels (640 for every IMM image), from the header.</param>
/// <param name="Height">Image height in pixels (480 for every IMM image), from the header.</param>
/// <param name="Box">The whole image (IMM has no face boxes): 0, 0, width, height.</param>
/// <param name="Keypoints">The 58 points in 0-based pixels: x0, y0, ..., x57, y57.</param>
/// <param name="Person">The person, 1-40 (from the file name).</param>
/// <param name="View">The view, 1-6 (from the file name).</param>
/// <param name="Gender">"m" or "f" (from the file name).</param>
public sealed record ImmFaceSample(string ImagePath, int Width, int Height, float[] Box, float[] Keypoints, int Person, int View, string Gender)
    : KeypointSample(ImagePath, Width, Height, Box, Keypoints);
