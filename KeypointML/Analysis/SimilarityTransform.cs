namespace KeypointML.Analysis;

/// <summary>
/// A 2-D similarity (scale, rotation, shift): <c>x' = a x - b y + tx</c>, <c>y' = b x + a y + ty</c>. Fitted by least
/// squares to point pairs (Umeyama's closed form for two dimensions, as InsightFace's and dlib's face alignment use).
/// </summary>
/// <remarks>Written out rather than taken from a library: the 2-D case is four sums and one division, and MathNet's general
/// solvers would add nothing but an allocation.</remarks>
public readonly record struct SimilarityTransform(float A, float B, float Tx, float Ty)
{
    /// <summary>The uniform scale.</summary>
    public float Scale => MathF.Sqrt(A * A + B * B);
    /// <summary>The rotation in radians.</summary>
    public float Angle => MathF.Atan2(B, A);

    /// <summary>Maps a point.</summary>
    public (float X, float Y) Apply(float x, float y) => (A * x - B * y + Tx, B * x + A * y + Ty);

    /// <summary>The inverse transform.</summary>
    public SimilarityTransform Inverse()
    {
        float d = A * A + B * B;
        float ia = A / d, ib = -B / d;
        return new SimilarityTransform(ia, ib, -(ia * Tx - ib * Ty), -(ib * Tx + ia * Ty));
    }

    /// <summary>The similarity that maps <paramref name="from"/> (x0, y0, x1, y1, ...) onto <paramref name="to"/> with the
    /// least squared error.</summary>
    /// <exception cref="ArgumentException">Fewer than two pairs, or all source points in one place.</exception>
    public static SimilarityTransform Fit(ReadOnlySpan<float> from, ReadOnlySpan<float> to)
    {
        if (from.Length != to.Length || from.Length < 4 || from.Length % 2 != 0)
            throw new ArgumentException($"A similarity needs two or more point pairs; got {from.Length / 2} and {to.Length / 2} points.");
        int n = from.Length / 2;
        double mx = 0, my = 0, ux = 0, uy = 0;
        for (int i = 0; i < n; i++) { mx += from[2 * i]; my += from[2 * i + 1]; ux += to[2 * i]; uy += to[2 * i + 1]; }
        mx /= n; my /= n; ux /= n; uy /= n;
        double sxx = 0, dot = 0, cross = 0;
        for (int i = 0; i < n; i++)
        {
            double x = from[2 * i] - mx, y = from[2 * i + 1] - my, u = to[2 * i] - ux, v = to[2 * i + 1] - uy;
            sxx += x * x + y * y;
            dot += x * u + y * v;
            cross += x * v - y * u;
        }
        if (!(sxx > 0)) throw new ArgumentException("The source points all lie in one place; no similarity maps them.");
        double a = dot / sxx, b = cross / sxx;
        return new SimilarityTransform((float)a, (float)b, (float)(ux - (a * mx - b * my)), (float)(uy - (b * mx + a * my)));
    }
}
