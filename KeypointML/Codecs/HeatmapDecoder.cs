namespace KeypointML.Codecs;

/// <summary>Heatmaps -> normalized keypoints and confidences. Cell (j, i) of an h x w map stands for ((i+0.5)/w, (j+0.5)/h).</summary>
internal static class HeatmapDecoder
{
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
