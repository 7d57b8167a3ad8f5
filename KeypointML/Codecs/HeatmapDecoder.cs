using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
namespace KeypointML.Codecs;

/// <summary>Heatmaps -> normalized keypoints and confidences. Cell (j, i) of an h x w map stands for ((i+0.5)/w, (j+0.5)/h).</summary>
internal static class HeatmapDecoder
{
    /// <summary>The Gaussian sigma, in cells, of <see cref="HeatmapRefinement.Dark"/>'s smoothing: chosen on the held-out
    /// faces (1 -> 3.18%, 1.5 -> 3.16%, 2 -> 3.16%, 3 -> 3.15% NME; 2 keeps the window small).</summary>
    public const double DarkSigma = 2;
    private const int DarkRadius = 6;   // 3 sigma
    private static readonly float[] DarkKernel = Kernel(DarkSigma, DarkRadius);

    /// <summary>
    /// Decodes <paramref name="heatmaps"/> (K x h x w, row-major) into normalized (x, y) pairs and confidences
    /// (<see cref="SpreadConfidence"/>). Ties go to the first cell in row-major order; a NaN map yields NaN coordinates and confidence.
    /// </summary>
    // Compiled fully optimized at once, like the sampler's and the grey conversion's loops: under tiered compilation this
    // ran unoptimized for the first hundreds of faces, 0.30 ms instead of 0.04 for 68 maps of 40x40 (keypointml bench
    // --stages, one core).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<float> heatmaps, int keypoints, int height, int width, HeatmapRefinement refinement,
        Span<float> normalized, Span<float> confidence)
    {
        int cells = height * width;
        if (heatmaps.Length != keypoints * cells)
            throw new ArgumentException($"Heatmaps hold {heatmaps.Length} values; {keypoints} maps of {height}x{width} need {keypoints * cells}.");
        for (int k = 0; k < keypoints; k++)
        {
            var map = heatmaps.Slice(k * cells, cells);
            var (best, peak) = ArgMax(map);
            if (best < 0)
            {
                normalized[2 * k] = normalized[2 * k + 1] = confidence[k] = float.NaN;
                continue;
            }
            int j = best / width, i = best % width;
            float x = i, y = j;
            if (refinement == HeatmapRefinement.Dark)
                (x, y) = DarkPeak(map, height, width, i, j);
            else if (refinement != HeatmapRefinement.None)
            {
                if (i > 0 && i < width - 1) x += SubCellOffset(map[best - 1], peak, map[best + 1], refinement);
                if (j > 0 && j < height - 1) y += SubCellOffset(map[best - width], peak, map[best + width], refinement);
            }
            normalized[2 * k] = (x + 0.5f) / width;
            normalized[2 * k + 1] = (y + 0.5f) / height;
            confidence[k] = SpreadConfidence(map, height, width, i, j, x, y);
        }
    }

    /// <summary>How far from the argmax, in cells, <see cref="SpreadConfidence"/> reads the map: chosen on the 122 held-out
    /// faces by the rank correlation of confidence and error (ibug68-heatmap: 2 cells -0.565, 4 -0.569, 6 -0.568, 10 -0.549,
    /// the whole map -0.07; ibug68-ensemble: 3, 4 and 6 cells all -0.593).</summary>
    public const int ConfidenceRadius = 4;

    /// <summary>
    /// <c>1 / (1 + s)</c>, where s is the root mean square distance, in cells, of the map's mass from the decoded point
    /// (<paramref name="x"/>, <paramref name="y"/>), over the cells within <see cref="ConfidenceRadius"/> of the argmax
    /// (<paramref name="i"/>, <paramref name="j"/>); values below zero count as no mass. 1 for all the mass on the point; 0
    /// when the window holds none.
    /// </summary>
    /// <remarks>Why the spread and not the peak: a point is uncertain when its map is wide or split (an occluded mouth
    /// corner, a jaw point that may lie anywhere along the contour), and the spread measures that directly, while the peak
    /// also falls with a sharp map whose mass straddles two cells. On the held-out faces the rank correlation with the error
    /// is -0.57 against the peak's -0.37 (ibug68-heatmap), -0.59 against -0.49 (ibug68-ensemble), -0.59 against -0.49
    /// (ibug68-fast). Only the window: far cells hold the background's small values, which over a whole map outweigh the
    /// peak's neighbourhood.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SpreadConfidence(ReadOnlySpan<float> map, int height, int width, int i, int j, float x, float y)
    {
        double mass = 0, moment = 0;
        int x0 = Math.Max(0, i - ConfidenceRadius), x1 = Math.Min(width - 1, i + ConfidenceRadius);
        for (int row = Math.Max(0, j - ConfidenceRadius); row <= Math.Min(height - 1, j + ConfidenceRadius); row++)
        {
            double dy2 = (row - y) * (row - y);
            var line = map.Slice(row * width, width);
            for (int column = x0; column <= x1; column++)
            {
                float v = line[column];
                if (!(v > 0)) continue;
                mass += v;
                moment += v * ((column - x) * (column - x) + dy2);
            }
        }
        return mass > 0 ? (float)(1 / (1 + Math.Sqrt(moment / mass))) : 0f;
    }

    /// <summary>The first cell holding the map's largest value and that value; (-1, -inf) when no cell exceeds -inf (all
    /// NaN or -inf). NaN cells are passed over, as a scalar <c>if (v &gt; peak)</c> scan passes over them.</summary>
    /// <remarks>Two vector passes, the maximum then its first cell, instead of one scalar scan: on 68 maps of 44x44 the scan
    /// was most of the 0.17 ms decode (keypointml bench --stages, one core).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int Cell, float Peak) ArgMax(ReadOnlySpan<float> map)
    {
        float peak = float.NegativeInfinity;
        int c = 0;
        if (Vector256.IsHardwareAccelerated && map.Length >= Vector256<float>.Count)
        {
            var acc = Vector256.Create(float.NegativeInfinity);
            for (; c + Vector256<float>.Count <= map.Length; c += Vector256<float>.Count)
            {
                var v = Vector256.Create<float>(map.Slice(c, Vector256<float>.Count));
                acc = Vector256.ConditionalSelect(Vector256.GreaterThan(v, acc), v, acc);   // a NaN compares false: skipped
            }
            for (int lane = 0; lane < Vector256<float>.Count; lane++)
                if (acc[lane] > peak) peak = acc[lane];
        }
        for (int t = c; t < map.Length; t++)
            if (map[t] > peak) peak = map[t];
        if (!(peak > float.NegativeInfinity)) return (-1, float.NegativeInfinity);
        int first = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var target = Vector256.Create(peak);
            for (; first + Vector256<float>.Count <= map.Length; first += Vector256<float>.Count)
            {
                uint hits = Vector256.Equals(Vector256.Create<float>(map.Slice(first, Vector256<float>.Count)), target).ExtractMostSignificantBits();
                if (hits != 0) return (first + System.Numerics.BitOperations.TrailingZeroCount(hits), peak);
            }
        }
        for (; first < map.Length; first++)
            if (map[first] == peak) return (first, peak);
        throw new InvalidOperationException("unreachable: the peak is a value of the map");
    }

    // The map smoothed (separable Gaussian, borders clamped) around the argmax; the smoothed maximum within DarkRadius
    // cells of the argmax and the log-parabola vertex through it, in cells. Only the smoothed values that search and its
    // vertex read are computed: a window of the cells within R + 1 of the argmax, 16 columns wide (two 8-float vectors per
    // row, the last column unused), each from a patch of the map with R more cells on every side, the map's edge cells
    // repeated beyond it. Every value sums its taps in the same order as a full-map smoothing, with separate multiplies
    // and adds, so the values are the same (HeatmapDecoderTests checks against a full-map reference). With vectors the
    // decode of 68 maps of 40x40 takes 0.16 ms instead of 0.53 (keypointml bench --stages, one core).
    private const int DarkReach = DarkRadius + 1;
    private const int DarkColumns = 2 * DarkReach + 2;   // 16: the window's 15 columns, padded to two vectors of 8
    private const int DarkPatchWidth = DarkColumns + 2 * DarkRadius;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float X, float Y) DarkPeak(ReadOnlySpan<float> map, int height, int width, int i, int j)
    {
        int x0 = Math.Max(0, i - DarkReach), x1 = Math.Min(width - 1, i + DarkReach);
        int y0 = Math.Max(0, j - DarkReach), y1 = Math.Min(height - 1, j + DarkReach);
        int wh = y1 - y0 + 1, ph = wh + 2 * DarkRadius;
        // The patch: rows y0 - R .. y1 + R and columns x0 - R onward, clamped to the map.
        Span<float> patch = stackalloc float[ph * DarkPatchWidth];
        int left = x0 - DarkRadius;
        int inFirst = Math.Max(0, left), inEnd = Math.Min(width, left + DarkPatchWidth);
        for (int py = 0; py < ph; py++)
        {
            var line = map.Slice(Math.Clamp(y0 - DarkRadius + py, 0, height - 1) * width, width);
            var dst = patch.Slice(py * DarkPatchWidth, DarkPatchWidth);
            dst[..(inFirst - left)].Fill(line[0]);
            line[inFirst..inEnd].CopyTo(dst[(inFirst - left)..]);
            dst[(inEnd - left)..].Fill(line[width - 1]);
        }
        // Horizontal pass over every patch row, then the vertical pass over the window's rows.
        Span<float> rows = stackalloc float[ph * DarkColumns];
        for (int py = 0; py < ph; py++) SmoothSixteen(patch[(py * DarkPatchWidth)..], 1, rows.Slice(py * DarkColumns, DarkColumns));
        Span<float> smooth = stackalloc float[wh * DarkColumns];
        for (int wy = 0; wy < wh; wy++) SmoothSixteen(rows[(wy * DarkColumns)..], DarkColumns, smooth.Slice(wy * DarkColumns, DarkColumns));
        // The smoothed maximum, near the raw argmax (within DarkRadius cells of it).
        int bi = i, bj = j;
        float best = float.NegativeInfinity;
        for (int y = Math.Max(y0, j - DarkRadius); y <= Math.Min(y1, j + DarkRadius); y++)
            for (int x = Math.Max(x0, i - DarkRadius); x <= Math.Min(x1, i + DarkRadius); x++)
                if (smooth[(y - y0) * DarkColumns + (x - x0)] > best) { best = smooth[(y - y0) * DarkColumns + (x - x0)]; bi = x; bj = y; }
        int c = (bj - y0) * DarkColumns + (bi - x0);
        float fx = bi, fy = bj;
        // The vertex needs both neighbours on the map (the window always holds them when they are).
        if (bi > 0 && bi < width - 1) fx += SubCellOffset(smooth[c - 1], best, smooth[c + 1], HeatmapRefinement.LogParabola);
        if (bj > 0 && bj < height - 1) fy += SubCellOffset(smooth[c - DarkColumns], best, smooth[c + DarkColumns], HeatmapRefinement.LogParabola);
        return (fx, fy);
    }

    // destination[c] = sum over d of DarkKernel[d] * source[d * step + c], for the 16 columns c, as two 8-float vectors; the
    // taps added in order d = 0, 1, ... with separate multiplies and adds (a step of 1 is the horizontal pass, of a row's
    // length the vertical one).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmoothSixteen(ReadOnlySpan<float> source, int step, Span<float> destination)
    {
        ReadOnlySpan<float> kernel = DarkKernel;
        Vector256<float> a = Vector256<float>.Zero, b = Vector256<float>.Zero;
        for (int d = 0; d < kernel.Length; d++)
        {
            var k = Vector256.Create(kernel[d]);
            a += k * Vector256.Create<float>(source.Slice(d * step, 8));
            b += k * Vector256.Create<float>(source.Slice(d * step + 8, 8));
        }
        a.CopyTo(destination);
        b.CopyTo(destination[8..]);
    }

    private static float[] Kernel(double sigma, int radius)
    {
        var k = Enumerable.Range(-radius, 2 * radius + 1).Select(d => (float)Math.Exp(-d * d / (2 * sigma * sigma))).ToArray();
        float sum = k.Sum();
        for (int n = 0; n < k.Length; n++) k[n] /= sum;
        return k;
    }

    /// <summary>Offset in cells from the argmax cell toward the true peak along one axis, given the values before, at and
    /// after the argmax (<paramref name="peak"/> is the largest of the three).</summary>
    private static float SubCellOffset(float before, float peak, float after, HeatmapRefinement refinement)
    {
        if (refinement == HeatmapRefinement.LogParabola && before > 0 && after > 0)
        {
            // ln v(t) = a t^2 + b t + c through t = -1, 0, 1: vertex at t = (ln before - ln after) / (2 (ln before - 2 ln peak + ln after)).
            double lb = Math.Log(before), lp = Math.Log(peak), la = Math.Log(after);
            double curvature = lb - 2 * lp + la;
            if (curvature < 0) return (float)Math.Clamp(0.5 * (lb - la) / curvature, -0.5, 0.5);
            // A flat top (peak equal to both neighbours) has no vertex: stay on the cell.
            return 0f;
        }
        return 0.25f * MathF.Sign(after - before);
    }
}
