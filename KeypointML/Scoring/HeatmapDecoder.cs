namespace KeypointML.Scoring;

/// <summary>How a heatmap peak is refined below one cell.</summary>
public enum HeatmapRefinement
{
    /// <summary>The argmax cell's centre (the default).</summary>
    None = 0,
    /// <summary>A quarter cell from the argmax toward its higher neighbour, in x and y separately (the usual trick of
    /// Hourglass/HRNet decoders).</summary>
    QuarterOffset = 1,
}

/// <summary>Heatmaps -> normalized keypoints and confidences. Cell (j, i) of an h x w map stands for ((i+0.5)/w, (j+0.5)/h).</summary>
public static class HeatmapDecoder
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
            if (refinement == HeatmapRefinement.QuarterOffset)
            {
                if (i > 0 && i < width - 1) x += 0.25f * MathF.Sign(map[best + 1] - map[best - 1]);
                if (j > 0 && j < height - 1) y += 0.25f * MathF.Sign(map[best + width] - map[best - width]);
            }
            normalized[2 * k] = (x + 0.5f) / width;
            normalized[2 * k + 1] = (y + 0.5f) / height;
            confidence[k] = peak;
        }
    }
}
