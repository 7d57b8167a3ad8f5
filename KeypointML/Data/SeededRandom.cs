namespace KeypointML.Data;

/// <summary>
/// A small deterministic random generator (SplitMix64) whose whole state is one number, so a run's shuffle and
/// augmentation draws can be saved in a checkpoint and replayed. Independent of .NET's <see cref="Random"/> implementation.
/// </summary>
public sealed class SeededRandom
{
    /// <summary>A generator in state <paramref name="state"/>.</summary>
    public SeededRandom(ulong state) => State = state;

    /// <summary>A generator for one purpose of one epoch, derived from the run seed (streams do not overlap in practice).</summary>
    public static SeededRandom For(long seed, int epoch, string purpose)
    {
        ulong h = 1469598103934665603UL;
        foreach (var c in purpose) h = (h ^ c) * 1099511628211UL;
        var r = new SeededRandom(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xC2B2AE3D27D4EB4FUL ^ h));
        r.NextUInt64();
        return r;
    }

    /// <summary>The whole state; a generator built from it continues the same sequence.</summary>
    public ulong State { get; private set; }

    /// <summary>The next 64 random bits (SplitMix64).</summary>
    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)(NextUInt64() % (ulong)n);

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
