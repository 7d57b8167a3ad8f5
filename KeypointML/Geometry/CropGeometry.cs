namespace KeypointML.Geometry;

/// <summary>
/// An axis-aligned, integer-offset crop of an image: the crop holds the source pixels
/// <c>X0 .. X0+Width-1</c> and <c>Y0 .. Y0+Height-1</c> (0-based; pixels outside the image are filled).
/// </summary>
/// <remarks>
/// Coordinate conventions used everywhere in KeypointML:
/// <list type="bullet">
/// <item>Pixel coordinates are 0-based with the centre of pixel <c>k</c> at <c>k</c> (as dlib's XML and <c>.pts - 1</c>).</item>
/// <item>Normalized coordinates (what coordinate models output and heatmap cells address) run from 0 at the left/top
/// edge of the crop to 1 at its right/bottom edge: <c>n = (x - X0 + 0.5) / Width</c>. They do not change when the crop is
/// resized (a resize maps edges to edges, as align_corners=false), so they survive the resize to the model's input.</item>
/// <item>Keypoint vectors are <c>x0, y0, x1, y1, ...</c>.</item>
/// </list>
/// </remarks>
public readonly record struct CropGeometry(int X0, int Y0, int Width, int Height)
{
    /// <summary>Number of floats when a geometry is stored in a vector column: X0, Y0, Width, Height.</summary>
    public const int VectorLength = 4;

    /// <summary>The whole image as the crop (used when no face box is given, as the IMM models expect).</summary>
    public static CropGeometry WholeImage(int width, int height) => new(0, 0, width, height);

    /// <summary>
    /// The crop around a face box: the box (left, top, width, height, in pixels) is scaled by <paramref name="scale"/>
    /// around its centre and, if <paramref name="square"/>, widened to a square of its longer side.
    /// </summary>
    public static CropGeometry AroundBox(float left, float top, float width, float height, float scale = 1f, bool square = true)
    {
        if (!(width > 0) || !(height > 0)) throw new ArgumentException($"The face box must have a positive size; got width {width}, height {height}.");
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The crop scale must be positive.");
        float cx = left + width / 2f, cy = top + height / 2f;
        float w = width * scale, h = height * scale;
        if (square) w = h = MathF.Max(w, h);
        int cw = Math.Max(1, (int)MathF.Round(w)), ch = Math.Max(1, (int)MathF.Round(h));
        return new CropGeometry((int)MathF.Round(cx - cw / 2f), (int)MathF.Round(cy - ch / 2f), cw, ch);
    }

    /// <summary>Reads a geometry from a vector column's 4 values.</summary>
    public static CropGeometry FromVector(ReadOnlySpan<float> v)
    {
        if (v.Length != VectorLength) throw new ArgumentException($"A crop geometry has {VectorLength} values (X0, Y0, Width, Height); got {v.Length}.");
        return new CropGeometry((int)v[0], (int)v[1], (int)v[2], (int)v[3]);
    }

    /// <summary>The 4 values stored in a vector column.</summary>
    public float[] ToVector() => [X0, Y0, Width, Height];

    /// <summary>Image pixel coordinate -> normalized crop coordinate.</summary>
    public (float X, float Y) ToNormalized(float x, float y) => ((x - X0 + 0.5f) / Width, (y - Y0 + 0.5f) / Height);

    /// <summary>Normalized crop coordinate -> image pixel coordinate (the inverse of <see cref="ToNormalized"/>).</summary>
    public (float X, float Y) FromNormalized(float nx, float ny) => (nx * Width - 0.5f + X0, ny * Height - 0.5f + Y0);

    /// <summary>Maps a whole keypoint vector (x0, y0, x1, y1, ...) from image pixels to normalized crop coordinates.</summary>
    public float[] KeypointsToNormalized(ReadOnlySpan<float> pixels)
    {
        var result = new float[pixels.Length];
        for (int i = 0; i + 1 < pixels.Length; i += 2)
            (result[i], result[i + 1]) = ToNormalized(pixels[i], pixels[i + 1]);
        return result;
    }

    /// <summary>Maps a whole keypoint vector from normalized crop coordinates back to image pixels.</summary>
    public float[] KeypointsFromNormalized(ReadOnlySpan<float> normalized)
    {
        var result = new float[normalized.Length];
        for (int i = 0; i + 1 < normalized.Length; i += 2)
            (result[i], result[i + 1]) = FromNormalized(normalized[i], normalized[i + 1]);
        return result;
    }
}
