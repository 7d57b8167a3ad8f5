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
    /// Decodes <paramref name="heatmaps"/> (K x h x w, row-major) into normalized (x, y) pairs and the peak values.
    /// Ties go to the first cell in row-major order; a NaN map yields NaN coordinates and confidence.
    /// </summary>
    public static void Decode(ReadOnlySpan<float> heatmaps, int keypoints, int height, int width, HeatmapRefinement refinement,
        Span<float> normalized, Span<float> confidence)
    {
        int cells = height * width;
        if (heatmaps.Length != keypoints * cells)
            throw new ArgumentException($"Heatmaps hold {heatmaps.Length} values; {keypoints} maps of {height}x{width} need {keypoints * cells}.");
        for (int k = 0; k < keypoints; k++)
        {
            var map = heatmaps.Slice(k * cells, cells);
            int best = -1;
            float peak = float.NegativeInfinity;
            for (int c = 0; c < cells; c++)
                if (map[c] > peak) { peak = map[c]; best = c; }
            if (best < 0)
            {
                normalized[2 * k] = normalized[2 * k + 1] = confidence[k] = float.NaN;
                continue;
            }
            int j = best / width, i = best % width;
            float x = i, y = j;
            if (refinement == HeatmapRefinement.Dark)
            {
                (x, y) = DarkPeak(map, height, width, i, j);
                normalized[2 * k] = (x + 0.5f) / width;
                normalized[2 * k + 1] = (y + 0.5f) / height;
                confidence[k] = peak;
                continue;
            }
            if (refinement != HeatmapRefinement.None)
            {
                if (i > 0 && i < width - 1) x += SubCellOffset(map[best - 1], peak, map[best + 1], refinement);
                if (j > 0 && j < height - 1) y += SubCellOffset(map[best - width], peak, map[best + width], refinement);
            }
            normalized[2 * k] = (x + 0.5f) / width;
            normalized[2 * k + 1] = (y + 0.5f) / height;
            confidence[k] = peak;
        }
    }

    // The map smoothed (separable Gaussian, borders clamped) around the argmax; the smoothed maximum within DarkRadius
    // cells of the argmax and the log-parabola vertex through it, in cells. Only the smoothed values that search and its
    // vertex read are computed (a (2R+3)^2 window: the cells within R + 1 of the argmax), each from the horizontal pass over
    // the rows within R of them; the sums run in the same order as a full-map smoothing, so the values are the same.
    private static (float X, float Y) DarkPeak(ReadOnlySpan<float> map, int height, int width, int i, int j)
    {
        const int Reach = DarkRadius + 1;
        int x0 = Math.Max(0, i - Reach), x1 = Math.Min(width - 1, i + Reach);
        int y0 = Math.Max(0, j - Reach), y1 = Math.Min(height - 1, j + Reach);
        int ww = x1 - x0 + 1, wh = y1 - y0 + 1;
        int r0 = Math.Max(0, y0 - DarkRadius), r1 = Math.Min(height - 1, y1 + DarkRadius);
        Span<float> rows = stackalloc float[(r1 - r0 + 1) * ww];   // horizontal pass, with the vertical margin
        ReadOnlySpan<float> kernel = DarkKernel;
        bool inside = x0 - DarkRadius >= 0 && x1 + DarkRadius < width;
        for (int y = r0; y <= r1; y++)
        {
            var line = map.Slice(y * width, width);
            var dst = rows.Slice((y - r0) * ww, ww);
            for (int x = x0; x <= x1; x++)
            {
                float v = 0;
                if (inside)
                    for (int d = -DarkRadius; d <= DarkRadius; d++) v += kernel[d + DarkRadius] * line[x + d];
                else
                    for (int d = -DarkRadius; d <= DarkRadius; d++) v += kernel[d + DarkRadius] * line[Math.Clamp(x + d, 0, width - 1)];
                dst[x - x0] = v;
            }
        }
        Span<float> smooth = stackalloc float[wh * ww];
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                float v = 0;
                for (int d = -DarkRadius; d <= DarkRadius; d++) v += kernel[d + DarkRadius] * rows[(Math.Clamp(y + d, 0, height - 1) - r0) * ww + (x - x0)];
                smooth[(y - y0) * ww + (x - x0)] = v;
            }
        // The smoothed maximum, near the raw argmax (within DarkRadius cells of it).
        int bi = i, bj = j;
        float best = float.NegativeInfinity;
        for (int y = Math.Max(y0, j - DarkRadius); y <= Math.Min(y1, j + DarkRadius); y++)
            for (int x = Math.Max(x0, i - DarkRadius); x <= Math.Min(x1, i + DarkRadius); x++)
                if (smooth[(y - y0) * ww + (x - x0)] > best) { best = smooth[(y - y0) * ww + (x - x0)]; bi = x; bj = y; }
        int c = (bj - y0) * ww + (bi - x0);
        float fx = bi, fy = bj;
        // The vertex needs both neighbours on the map (the window always holds them when they are).
        if (bi > 0 && bi < width - 1) fx += SubCellOffset(smooth[c - 1], best, smooth[c + 1], HeatmapRefinement.LogParabola);
        if (bj > 0 && bj < height - 1) fy += SubCellOffset(smooth[c - ww], best, smooth[c + ww], HeatmapRefinement.LogParabola);
        return (fx, fy);
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
