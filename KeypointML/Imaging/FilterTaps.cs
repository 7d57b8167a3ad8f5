using System.Runtime.CompilerServices;
namespace KeypointML.Imaging;

/// <summary>
/// The resampling filter along one axis, as flat arrays: for each output pixel the first source index it reads, how many
/// taps and where its normalized weights start. A triangle filter widened by the scale when shrinking (anti-aliased
/// bilinear), centres mapped so that edges map to edges (PyTorch's align_corners=false): output pixel <c>o</c> sits at
/// source position <c>(o + 0.5) * in / out - 0.5</c> of the crop. Taps are cut at the crop's edges (renormalized).
/// </summary>
/// <remarks>The one definition of the filter: <see cref="ImageResampler"/> (image to image) and
/// <see cref="FaceTensorSampler"/> (image to tensor) both take their weights from here.</remarks>
internal sealed class FilterTaps
{
    private readonly int[] _first, _count, _offset;

    private FilterTaps(int[] first, int[] count, int[] offset, float[] weights)
    {
        (_first, _count, _offset, Weights) = (first, count, offset, weights);
        FirstIndex = first.Length == 0 ? 0 : first.Min();
        LastIndex = first.Length == 0 ? -1 : Enumerable.Range(0, first.Length).Max(o => first[o] + count[o] - 1);
        PaddedCount = count.Length == 0 ? 0 : count.Max();
        PaddedWeights = new float[PaddedCount * first.Length];
        for (int o = 0; o < first.Length; o++)
            for (int k = 0; k < count[o]; k++) PaddedWeights[k * first.Length + o] = weights[offset[o] + k];
    }

    /// <summary>Every output's first source index (<see cref="Tap"/>'s first).</summary>
    public ReadOnlySpan<int> Firsts => _first;

    /// <summary>The most taps any output has: every output read as that many taps, the missing ones with weight 0.</summary>
    public int PaddedCount { get; }

    /// <summary>The weights tap-major for vectors of outputs: tap <c>k</c> of output <c>o</c> at <c>k * outputs + o</c>, 0
    /// past an output's own taps. Adding those zero products leaves each sum as it was (the sums are of non-negative
    /// terms, so never -0).</summary>
    public float[] PaddedWeights { get; }

    /// <summary>All weights, output after output.</summary>
    public float[] Weights { get; }
    /// <summary>The smallest and largest source index any tap reads.</summary>
    public int FirstIndex { get; }
    public int LastIndex { get; }

    /// <summary>Output <paramref name="o"/>'s first source index, tap count and offset into <see cref="Weights"/>.</summary>
    public (int First, int Count, int Offset) Tap(int o) => (_first[o], _count[o], _offset[o]);

    /// <summary>
    /// The taps that resize the crop <c>[origin, origin + size)</c> (in full-size pixels) to <paramref name="outSize"/>
    /// pixels, reading a source stored at 1/<paramref name="sourceScale"/> of full size (1 = the full image). Source indices
    /// are absolute (they may fall outside the image, where the caller reads its fill).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FilterTaps Of(int origin, int size, int outSize, float sourceScale = 1)
    {
        if (size <= 0 || outSize <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"Sizes must be positive; got {size} -> {outSize}.");
        int inSize, baseIndex;
        float scale, offset;
        if (sourceScale == 1)
        {
            // The crop's own pixels, exactly as a crop-then-resize computes them.
            (baseIndex, inSize, scale, offset) = (origin, size, (float)size / outSize, 0f);
        }
        else
        {
            if (!(sourceScale > 0)) throw new ArgumentOutOfRangeException(nameof(sourceScale), sourceScale, "The source scale must be positive.");
            // Full-size pixel centre x is at (x + 0.5) / s - 0.5 in the reduced source.
            double start = origin / (double)sourceScale;
            baseIndex = (int)Math.Floor(start);
            inSize = Math.Max(1, (int)Math.Ceiling((origin + size) / (double)sourceScale) - baseIndex);
            scale = (float)(size / ((double)outSize * sourceScale));
            offset = (float)(start - baseIndex);
        }
        float support = MathF.Max(scale, 1f);   // triangle half-width in source pixels
        int maxTaps = (int)MathF.Ceiling(2 * support) + 2;
        var first = new int[outSize];
        var count = new int[outSize];
        var offsets = new int[outSize];
        var weights = new List<float>(outSize * maxTaps);
        var w = new float[maxTaps];
        for (int o = 0; o < outSize; o++)
        {
            float centre = (o + 0.5f) * scale - 0.5f + offset;
            int lo = Math.Max(0, (int)MathF.Floor(centre - support) + 1);
            int hi = Math.Min(inSize - 1, (int)MathF.Ceiling(centre + support) - 1);
            if (hi < lo) lo = hi = Math.Clamp((int)MathF.Round(centre), 0, inSize - 1);
            int n = hi - lo + 1;
            if (n > w.Length) w = new float[n];
            float total = 0;
            for (int i = lo; i <= hi; i++) total += w[i - lo] = MathF.Max(0f, 1f - MathF.Abs(i - centre) / support);
            if (total <= 0) { Array.Clear(w, 0, n); w[Math.Clamp((int)MathF.Round(centre) - lo, 0, n - 1)] = 1f; total = 1f; }
            (first[o], count[o], offsets[o]) = (baseIndex + lo, n, weights.Count);
            for (int i = 0; i < n; i++) weights.Add(w[i] / total);
        }
        return new FilterTaps(first, count, offsets, weights.ToArray());
    }
}
