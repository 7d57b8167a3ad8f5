using KeypointML.Codecs;

namespace KeypointML.Tests.Transforms;

public class HeatmapDecoderTests
{
    private static (float[] Normalized, float[] Confidence) Decode(float[] maps, int k, int h, int w, HeatmapRefinement r = HeatmapRefinement.None)
    {
        var n = new float[2 * k];
        var c = new float[k];
        HeatmapDecoder.Decode(maps, k, h, w, r, n, c);
        return (n, c);
    }

    [Test]
    public void Argmax_gives_the_cell_centre_and_a_lone_peak_full_confidence()
    {
        // Two 3 x 4 maps: peak of map 0 at (j=1, i=2) = 0.9, map 1 at (j=2, i=0) = 0.7; all their mass on the point.
        var maps = new float[24];
        maps[1 * 4 + 2] = 0.9f;
        maps[12 + 2 * 4 + 0] = 0.7f;
        var (n, c) = Decode(maps, 2, 3, 4);
        Assert.That(n, Is.EqualTo(new[] { 2.5f / 4, 1.5f / 3, 0.5f / 4, 2.5f / 3 }).Within(1e-7f));
        Assert.That(c, Is.EqualTo(new[] { 1f, 1f }));
    }

    [Test]
    public void Confidence_falls_with_the_maps_spread_near_the_point()
    {
        // One 1 x 10 map: 0.6 at columns 1 and 2 (the argmax is the first), a negative cell (no mass) at 3, and 0.5 at
        // column 6, more than ConfidenceRadius = 4 cells from the argmax (not read). The point is column 1; the mass within
        // reach is 1.2, its mean square distance (0.6 * 0 + 0.6 * 1) / 1.2 = 0.5 cells^2.
        var map = new float[] { 0, 0.6f, 0.6f, -1f, 0, 0, 0.5f, 0, 0, 0 };
        var (n, c) = Decode(map, 1, 1, 10);
        Assert.That(n[0], Is.EqualTo(1.5f / 10).Within(1e-7f));
        Assert.That(c[0], Is.EqualTo(1 / (1 + Math.Sqrt(0.5))).Within(1e-6));
        // The same mass over more cells is less certain; a map with no mass at all has confidence 0.
        var (_, wider) = Decode([0, 0.4f, 0.4f, 0.4f, 0, 0, 0, 0, 0, 0], 1, 1, 10);
        Assert.That(wider[0], Is.LessThan(c[0]));
        var (_, none) = Decode([-1, -0.5f, -1, -1], 1, 2, 2);
        Assert.That(none[0], Is.EqualTo(0f));
    }

    [Test]
    public void Ties_go_to_the_first_cell_in_row_major_order()
    {
        var maps = new float[] { 0, 1, 1, 0, 0, 1 };
        var (n, _) = Decode(maps, 1, 2, 3);
        Assert.That(n, Is.EqualTo(new[] { 1.5f / 3, 0.5f / 2 }));
    }

    [Test]
    public void Quarter_offset_moves_a_quarter_cell_toward_the_higher_neighbour()
    {
        // 3 x 3, peak in the middle; right neighbour higher than left, upper higher than lower.
        var maps = new float[] { 0, 0.5f, 0, 0.1f, 1, 0.3f, 0, 0.2f, 0 };
        var (n, c) = Decode(maps, 1, 3, 3, HeatmapRefinement.QuarterOffset);
        Assert.That(n, Is.EqualTo(new[] { 1.75f / 3, 1.25f / 3 }).Within(1e-7f));
        // The confidence reads the spread around the moved point (1.25, 0.75): mass 2.1, moment 0.5 * 0.625 + 0.1 * 1.625
        // + 1 * 0.125 + 0.3 * 0.625 + 0.2 * 1.625 = 1.1125.
        Assert.That(c[0], Is.EqualTo(1 / (1 + Math.Sqrt(1.1125 / 2.1))).Within(1e-6));
        var (plain, _) = Decode(maps, 1, 3, 3);
        Assert.That(plain, Is.EqualTo(new[] { 1.5f / 3, 1.5f / 3 }).Within(1e-7f));
    }

    [Test]
    public void Quarter_offset_leaves_border_peaks_and_flat_neighbours_alone()
    {
        var maps = new float[] { 1, 0.5f, 0, 0.2f, 0.2f, 0, 0, 0, 0 };
        var (n, _) = Decode(maps, 1, 3, 3, HeatmapRefinement.QuarterOffset);
        Assert.That(n, Is.EqualTo(new[] { 0.5f / 3, 0.5f / 3 }).Within(1e-7f));
    }

    /// <summary>DARK smooths before the log-parabola step: a sharp zero-one map (a single hot cell and a weaker neighbour)
    /// decodes between the two cells, toward the hot one; a sampled Gaussian far from the border still decodes to its
    /// centre (a Gaussian smoothed by a Gaussian is a Gaussian with the same centre).</summary>
    [Test]
    public void Dark_smooths_a_sharp_map_and_keeps_a_Gaussians_centre()
    {
        const int h = 40, w = 40;
        var sharp = new float[h * w];
        sharp[20 * w + 20] = 0.8f;
        sharp[20 * w + 21] = 0.2f;
        var (n, _) = Decode(sharp, 1, h, w, HeatmapRefinement.Dark);
        float x = n[0] * w - 0.5f;
        Assert.That(x, Is.GreaterThan(20f).And.LessThan(20.5f), "between the hot cell and its neighbour, nearer the hot one");
        Assert.That(n[1] * h - 0.5f, Is.EqualTo(20f).Within(1e-4f));
        var gaussian = new float[h * w];
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                gaussian[j * w + i] = MathF.Exp(-((i - 17.3f) * (i - 17.3f) + (j - 22.6f) * (j - 22.6f)) / (2 * 1.5f * 1.5f));
        var (g, _) = Decode(gaussian, 1, h, w, HeatmapRefinement.Dark);
        Assert.That(new[] { g[0] * w - 0.5f, g[1] * h - 0.5f }, Is.EqualTo(new[] { 17.3f, 22.6f }).Within(1e-3f));
    }

    /// <summary>DARK computes only a window of the smoothed map, with vectors: it must give exactly what smoothing the whole
    /// map (borders clamped), taking the smoothed maximum within the kernel radius of the argmax and its log-parabola
    /// vertex gives, on noisy maps whose peaks sit anywhere, corners and edges included, and on maps smaller than the window.</summary>
    [TestCase(40, 40, 1)]
    [TestCase(44, 44, 2)]
    [TestCase(56, 56, 3)]
    [TestCase(5, 7, 4)]
    [TestCase(1, 9, 5)]
    public void Dark_equals_a_full_map_smoothing(int h, int w, int seed)
    {
        var random = new Random(seed);
        const int k = 24;
        var maps = new float[k * h * w];
        for (int m = 0; m < k; m++)
        {
            var map = maps.AsSpan(m * h * w, h * w);
            for (int c = 0; c < map.Length; c++) map[c] = (float)(random.NextDouble() * 0.05);
            // Peaks at the corners, on the edges and inside, with a weaker second mode a few cells away.
            int pj = m % 4 == 0 ? 0 : m % 4 == 1 ? h - 1 : random.Next(h), pi = m % 3 == 0 ? 0 : m % 3 == 1 ? w - 1 : random.Next(w);
            map[pj * w + pi] = 0.9f;
            map[Math.Clamp(pj + 3, 0, h - 1) * w + Math.Clamp(pi - 2, 0, w - 1)] = 0.6f;
        }
        var (n, _) = Decode(maps, k, h, w, HeatmapRefinement.Dark);
        for (int m = 0; m < k; m++)
        {
            var (x, y) = ReferenceDark(maps.AsSpan(m * h * w, h * w), h, w);
            Assert.That(n[2 * m], Is.EqualTo((x + 0.5f) / w), $"map {m}, x");
            Assert.That(n[2 * m + 1], Is.EqualTo((y + 0.5f) / h), $"map {m}, y");
        }
    }

    // The straightforward DARK step: smooth the whole map, search the smoothed maximum within the radius of the argmax,
    // fit the log-parabola through it and its neighbours.
    private static (float X, float Y) ReferenceDark(ReadOnlySpan<float> map, int h, int w)
    {
        const int radius = 6;
        var kernel = Enumerable.Range(-radius, 2 * radius + 1).Select(d => (float)Math.Exp(-d * d / (2 * HeatmapDecoder.DarkSigma * HeatmapDecoder.DarkSigma))).ToArray();
        float total = kernel.Sum();
        for (int d = 0; d < kernel.Length; d++) kernel[d] /= total;
        var rows = new float[h * w];
        var smooth = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float v = 0;
                for (int d = -radius; d <= radius; d++) v += kernel[d + radius] * map[y * w + Math.Clamp(x + d, 0, w - 1)];
                rows[y * w + x] = v;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float v = 0;
                for (int d = -radius; d <= radius; d++) v += kernel[d + radius] * rows[Math.Clamp(y + d, 0, h - 1) * w + x];
                smooth[y * w + x] = v;
            }
        int best = 0;
        for (int c = 1; c < map.Length; c++) if (map[c] > map[best]) best = c;
        int i = best % w, j = best / w, bi = i, bj = j;
        float peak = float.NegativeInfinity;
        for (int y = Math.Max(0, j - radius); y <= Math.Min(h - 1, j + radius); y++)
            for (int x = Math.Max(0, i - radius); x <= Math.Min(w - 1, i + radius); x++)
                if (smooth[y * w + x] > peak) { peak = smooth[y * w + x]; bi = x; bj = y; }
        float fx = bi, fy = bj;
        if (bi > 0 && bi < w - 1) fx += Vertex(smooth[bj * w + bi - 1], peak, smooth[bj * w + bi + 1]);
        if (bj > 0 && bj < h - 1) fy += Vertex(smooth[(bj - 1) * w + bi], peak, smooth[(bj + 1) * w + bi]);
        return (fx, fy);

        static float Vertex(float before, float top, float after)
        {
            double lb = Math.Log(before), lp = Math.Log(top), la = Math.Log(after), curvature = lb - 2 * lp + la;
            return curvature < 0 ? (float)Math.Clamp(0.5 * (lb - la) / curvature, -0.5, 0.5) : 0f;
        }
    }

    /// <summary>A sampled Gaussian centred off the cell grid decodes to its centre (to float precision) with the
    /// log-parabola step; the quarter-cell step is off by up to a quarter cell.</summary>
    [TestCase(2.3f, 3.8f, 1.5f)]
    [TestCase(3.5f, 3.5f, 1.0f)]
    [TestCase(4.0f, 1.6f, 2.5f)]
    public void Log_parabola_finds_the_centre_of_a_Gaussian(float cx, float cy, float sigma)
    {
        const int h = 7, w = 8;
        var maps = new float[h * w];
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                maps[j * w + i] = MathF.Exp(-((i - cx) * (i - cx) + (j - cy) * (j - cy)) / (2 * sigma * sigma));
        var (n, _) = Decode(maps, 1, h, w, HeatmapRefinement.LogParabola);
        Assert.That(n, Is.EqualTo(new[] { (cx + 0.5f) / w, (cy + 0.5f) / h }).Within(1e-5f));
    }

    [Test]
    public void Log_parabola_falls_back_to_the_quarter_step_where_a_neighbour_is_not_positive()
    {
        // x: left neighbour negative (an MSE map's undershoot) -> quarter step toward the right. y: neighbours 1e-9 above
        // and 0.9 below a peak of 1 -> the vertex 0.5 (d1 - d2) / (d1 + d2) with d = ln peak - ln neighbour: almost half a
        // cell down, never more.
        var maps = new float[] { 0, 1e-9f, 0, -0.1f, 1, 0.3f, 0, 0.9f, 0 };
        var (n, _) = Decode(maps, 1, 3, 3, HeatmapRefinement.LogParabola);
        double d1 = -Math.Log(1e-9f), d2 = -Math.Log(0.9f);
        double dy = 0.5 * (d1 - d2) / (d1 + d2);
        Assert.That(dy, Is.InRange(0.49, 0.5));
        Assert.That(n, Is.EqualTo(new[] { 1.75f / 3, (float)((1.5 + dy) / 3) }).Within(1e-6f));
    }

    [TestCase(1936, 1)]   // 44 x 44, a multiple of the vector width
    [TestCase(1600, 2)]
    [TestCase(3, 3)]      // shorter than one vector
    [TestCase(37, 4)]     // a scalar tail
    public void The_vector_argmax_is_the_scalar_scans_with_ties_NaNs_and_tails(int cells, int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            // Few distinct values, so the maximum is often tied; some NaN, -inf and -0 cells; sometimes a whole map of them.
            var map = new float[cells];
            for (int c = 0; c < cells; c++)
                map[c] = random.Next(12) switch { 0 => float.NaN, 1 => float.NegativeInfinity, 2 => -0f, var v => v / 10f };
            if (trial % 50 == 0) Array.Fill(map, trial % 100 == 0 ? float.NaN : float.NegativeInfinity);
            if (trial % 7 == 0) map[random.Next(cells)] = 5f;
            int expected = -1;
            float peak = float.NegativeInfinity;
            for (int c = 0; c < cells; c++)
                if (map[c] > peak) { peak = map[c]; expected = c; }
            Assert.That(HeatmapDecoder.ArgMax(map), Is.EqualTo((expected, peak)), $"trial {trial}");
        }
    }

    [Test]
    public void A_NaN_map_gives_NaN_and_a_wrong_length_is_an_error()
    {
        var (n, c) = Decode([float.NaN, float.NaN], 1, 1, 2);
        Assert.That(n, Has.All.NaN);
        Assert.That(c, Has.All.NaN);
        Assert.Throws<ArgumentException>(() => Decode(new float[5], 1, 2, 3));
    }
}
