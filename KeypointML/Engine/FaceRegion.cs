using KeypointML.Geometry;
using KeypointML.Preprocessing;

namespace KeypointML.Engine;

/// <summary>
/// Where a face is, in the box convention the landmark models were trained with (the 300-W box), turned with the head:
/// the box's centre (pixel-centre coordinates of the image), its width and height measured in the face's own frame, and
/// the face's roll, the angle in radians from the image's x axis to the face's left-to-right axis (the line from the
/// subject's right eye to the left eye; positive turns clockwise on screen, since image y points down).
/// </summary>
public readonly record struct FaceRegion(float CenterX, float CenterY, float Width, float Height, float Roll)
{
    /// <summary>An upright region from an axis-aligned box (left, top, width, height; left and top are the first pixel's
    /// centre, as KeypointML's boxes are).</summary>
    public static FaceRegion FromBox(ReadOnlySpan<float> box, float roll = 0) =>
        new(box[0] + box[2] / 2 - 0.5f, box[1] + box[3] / 2 - 0.5f, box[2], box[3], roll);

    /// <summary>The axis-aligned box of an upright region (left, top, width, height); the inverse of <see cref="FromBox"/>.</summary>
    public float[] UprightBox() => [CenterX - Width / 2 + 0.5f, CenterY - Height / 2 + 0.5f, Width, Height];

    /// <summary>The axis-aligned box that holds the turned region (for drawing and for matching against boxes).</summary>
    public float[] BoundingBox()
    {
        float c = MathF.Abs(MathF.Cos(Roll)), s = MathF.Abs(MathF.Sin(Roll));
        float w = Width * c + Height * s, h = Width * s + Height * c;
        return [CenterX - w / 2 + 0.5f, CenterY - h / 2 + 0.5f, w, h];
    }

    /// <summary>The region of a face's points (x0, y0, ...): roll from the eye centres, box by <paramref name="map"/> from
    /// the points' bounding box in the face's frame. For 68-point faces (iBUG order; other schemes keep roll 0).</summary>
    public static FaceRegion FromLandmarks(ReadOnlySpan<float> points, Detection.FaceBoxMap map)
    {
        float roll = RollOfLandmarks(points);
        // The points' bounding box in the face's frame (turned by -roll about the image origin), its centre turned back.
        float cos = MathF.Cos(roll), sin = MathF.Sin(roll);
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        for (int k = 0; k + 1 < points.Length; k += 2)
        {
            float u = cos * points[k] + sin * points[k + 1], v = -sin * points[k] + cos * points[k + 1];
            x0 = MathF.Min(x0, u); x1 = MathF.Max(x1, u); y0 = MathF.Min(y0, v); y1 = MathF.Max(y1, v);
        }
        var box = map.Apply([x0, y0, x1 - x0, y1 - y0]);
        float cu = box[0] + box[2] / 2, cv = box[1] + box[3] / 2;
        return new FaceRegion(cos * cu - sin * cv, sin * cu + cos * cv, box[2], box[3], roll);
    }

    /// <summary>The roll of a face's 68 points (iBUG order): the direction of the line from the right eye's centre (points
    /// 36-41) to the left eye's (42-47); 0 for other schemes.</summary>
    public static float RollOfLandmarks(ReadOnlySpan<float> points)
    {
        if (points.Length != 2 * 68) return 0;
        var (rx, ry) = Mean(points, 36, 42);
        var (lx, ly) = Mean(points, 42, 48);
        return MathF.Atan2(ly - ry, lx - rx);
    }

    private static (float X, float Y) Mean(ReadOnlySpan<float> points, int from, int to)
    {
        float x = 0, y = 0;
        for (int k = from; k < to; k++) { x += points[2 * k]; y += points[2 * k + 1]; }
        return (x / (to - from), y / (to - from));
    }
}

/// <summary>
/// A model's crop of a <see cref="FaceRegion"/>: the preprocessing's crop rule (box scaled around its centre, squared)
/// applied in the face's frame. An upright region gives exactly the axis-aligned <see cref="CropGeometry"/> the ML.NET
/// components use (same rounding, same pixels); a turned one a square of the same side turned by the roll.
/// </summary>
public readonly record struct RegionCrop(CropGeometry Upright, float CenterX, float CenterY, float Side, float Roll)
{
    /// <summary>An axis-aligned crop (a dataset's box crop, a whole image).</summary>
    public static RegionCrop UprightCrop(CropGeometry crop) => new(crop, 0, 0, 0, 0);

    /// <summary>Whether the crop is turned (otherwise <see cref="Upright"/> is the crop).</summary>
    public bool IsTurned => Roll != 0;

    /// <summary>The crop <paramref name="preprocessing"/> takes of <paramref name="region"/>.</summary>
    public static RegionCrop Of(FaceRegion region, FacePreprocessing preprocessing)
    {
        var upright = preprocessing.CropOf(region.UprightBox());
        if (region.Roll == 0) return new RegionCrop(upright, 0, 0, 0, 0);
        float w = region.Width * preprocessing.CropScale, h = region.Height * preprocessing.CropScale;
        float side = preprocessing.CropSquare ? MathF.Max(w, h) : w;
        if (!preprocessing.CropSquare && MathF.Abs(w - h) > 0.5f)
            throw new ArgumentException("A turned crop is square; this model's crop is not (whole-image models are not turned).");
        return new RegionCrop(upright, region.CenterX, region.CenterY, side, region.Roll);
    }

    /// <summary>Normalized crop coordinates (0..1 edge to edge, as models output them) -> image pixel coordinates.</summary>
    public (float X, float Y) ToImage(float nx, float ny)
    {
        if (!IsTurned) return Upright.FromNormalized(nx, ny);
        float u = (nx - 0.5f) * Side, v = (ny - 0.5f) * Side;
        float cos = MathF.Cos(Roll), sin = MathF.Sin(Roll);
        return (CenterX + cos * u - sin * v, CenterY + sin * u + cos * v);
    }

    /// <summary>Image pixel coordinates -> normalized crop coordinates (the inverse of <see cref="ToImage(float, float)"/>).</summary>
    public (float X, float Y) ToNormalized(float x, float y)
    {
        if (!IsTurned) return Upright.ToNormalized(x, y);
        float dx = x - CenterX, dy = y - CenterY, cos = MathF.Cos(Roll), sin = MathF.Sin(Roll);
        return ((cos * dx + sin * dy) / Side + 0.5f, (-sin * dx + cos * dy) / Side + 0.5f);
    }

    /// <summary>Maps a keypoint vector from normalized crop coordinates to image pixels.</summary>
    public void ToImage(ReadOnlySpan<float> normalized, Span<float> pixels)
    {
        for (int i = 0; i + 1 < normalized.Length; i += 2)
            (pixels[i], pixels[i + 1]) = ToImage(normalized[i], normalized[i + 1]);
    }
}
