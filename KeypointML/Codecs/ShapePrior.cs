using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace KeypointML.Codecs;

/// <summary>
/// A statistical face-shape prior that pulls a model's K points toward shapes faces have: the posterior mean of the true
/// shape under a Gaussian model of training shapes and of the model's errors, <c>mean + Gain (aligned - mean)</c>, taken
/// in the frame of <see cref="Mean"/> after a least-squares similarity alignment (translation, rotation, scale) of the
/// points onto it, then mapped back.
/// </summary>
/// <remarks>
/// <para>Why: a heatmap network places each point from its own map. Where a map is ambiguous (along the jaw's contour, an
/// occluded mouth corner) the point strays in ways no face does; dlib's cascade avoids that by regressing whole shapes.
/// With <c>Gain = C (C + D)^-1</c>, where C is the covariance of aligned training shapes and D the model's error variance
/// per coordinate, each direction of shape variation is kept in proportion to how much more faces vary along it than the
/// model errs (a Wiener filter); directions no face takes are damped. Measured in <c>models/*.md</c> (about 0.05-0.09
/// point of held-out NME on the 68-point models).</para>
/// <para>Built by <c>keypointml ship --shape-prior</c> (KeypointML.Tooling's <c>ShapePriorFit</c>) and kept in the model's
/// metadata (<see cref="Models.KeypointModelMetadata.ShapePrior"/>); applied by <see cref="ShapePriorCodec"/> after every
/// other correction. Immutable, compared by value.</para>
/// </remarks>
public sealed class ShapePrior : IEquatable<ShapePrior>
{
    private readonly float[] _mean, _gain;
    private readonly double _meanX, _meanY;

    /// <param name="mean">The mean shape, x, y per point (2K values), in any frame (only its centroid and shape matter).</param>
    /// <param name="gain">The (2K)^2 gain matrix, row-major: aligned deviations from the mean in, corrected deviations out.</param>
    public ShapePrior(float[] mean, float[] gain)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(gain);
        if (mean.Length < 4 || mean.Length % 2 != 0) throw new ArgumentException($"A shape prior's mean holds x, y for at least two points; got {mean.Length} values.", nameof(mean));
        if (gain.Length != mean.Length * mean.Length) throw new ArgumentException($"A shape prior of {mean.Length / 2} points needs a {mean.Length}x{mean.Length} gain ({mean.Length * mean.Length} values); got {gain.Length}.", nameof(gain));
        if (!mean.All(float.IsFinite) || !gain.All(float.IsFinite)) throw new ArgumentException("A shape prior's values must be finite.");
        _mean = mean.ToArray();
        _gain = gain.ToArray();
        for (int k = 0; k < KeypointCount; k++) { _meanX += _mean[2 * k]; _meanY += _mean[2 * k + 1]; }
        _meanX /= KeypointCount;
        _meanY /= KeypointCount;
        double spread = 0;
        for (int k = 0; k < KeypointCount; k++) spread += Math.Pow(_mean[2 * k] - _meanX, 2) + Math.Pow(_mean[2 * k + 1] - _meanY, 2);
        if (!(spread > 0)) throw new ArgumentException("A shape prior's mean shape must not collapse to one point.", nameof(mean));
    }

    /// <summary>Number of points (K).</summary>
    public int KeypointCount => _mean.Length / 2;
    /// <summary>The mean shape, x, y per point.</summary>
    public ReadOnlySpan<float> Mean => _mean;
    /// <summary>The (2K)^2 gain matrix, row-major.</summary>
    public ReadOnlySpan<float> Gain => _gain;

    /// <summary>Replaces <paramref name="points"/> (x, y per point, any frame a similarity maps to the mean's: normalized
    /// crop coordinates or pixels) by their corrected values. Points with a NaN, or collapsed to one spot, are left as they are.</summary>
    public void Apply(Span<float> points)
    {
        int n = 2 * KeypointCount;
        if (points.Length != n) throw new ArgumentException($"The shape prior is for {KeypointCount} points; got {points.Length / 2}.", nameof(points));
        double cx = 0, cy = 0;
        for (int k = 0; k < KeypointCount; k++) { cx += points[2 * k]; cy += points[2 * k + 1]; }
        if (!double.IsFinite(cx) || !double.IsFinite(cy)) return;
        cx /= KeypointCount;
        cy /= KeypointCount;
        // The similarity (a, b): mean ~ [a -b; b a] (p - c) + meanCentre, by least squares.
        double a = 0, b = 0, norm = 0;
        for (int k = 0; k < KeypointCount; k++)
        {
            double x = points[2 * k] - cx, y = points[2 * k + 1] - cy, u = _mean[2 * k] - _meanX, v = _mean[2 * k + 1] - _meanY;
            a += x * u + y * v;
            b += x * v - y * u;
            norm += x * x + y * y;
        }
        if (!(norm > 0)) return;
        a /= norm;
        b /= norm;
        double det = a * a + b * b;
        if (!(det > 0)) return;
        // The deviations are small numbers in the mean's unit-size frame; float dot products (vectorized) keep them to
        // about 1e-7 of the face's size, far below a model's error, at a fifth of the double loop's cost.
        Span<float> deviation = n <= 1024 ? stackalloc float[n] : new float[n];
        for (int k = 0; k < KeypointCount; k++)
        {
            double x = points[2 * k] - cx, y = points[2 * k + 1] - cy;
            deviation[2 * k] = (float)(a * x - b * y + _meanX - _mean[2 * k]);
            deviation[2 * k + 1] = (float)(b * x + a * y + _meanY - _mean[2 * k + 1]);
        }
        for (int r = 0; r < n; r += 2)
        {
            // Row r and r + 1 of Gain times the deviation: the corrected point in the mean's frame, then mapped back.
            double gx = _mean[r] - _meanX + TensorPrimitives.Dot(_gain.AsSpan(r * n, n), deviation);
            double gy = _mean[r + 1] - _meanY + TensorPrimitives.Dot(_gain.AsSpan((r + 1) * n, n), deviation);
            points[r] = (float)((a * gx + b * gy) / det + cx);
            points[r + 1] = (float)((-b * gx + a * gy) / det + cy);
        }
    }

    /// <summary>The values as ONNX metadata text: base64 of the float32 values (little-endian), the mean's 2K then the
    /// gain's (2K)^2 (76 KB of text for 68 points).</summary>
    public string Format()
    {
        var bytes = new byte[(_mean.Length + _gain.Length) * sizeof(float)];
        MemoryMarshal.AsBytes(_mean.AsSpan()).CopyTo(bytes);
        MemoryMarshal.AsBytes(_gain.AsSpan()).CopyTo(bytes.AsSpan(_mean.Length * sizeof(float)));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Shape prior values are stored little-endian.");
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Reads <see cref="Format"/>'s text for a model of <paramref name="keypointCount"/> points; null when the
    /// text is not that.</summary>
    public static ShapePrior? TryParse(string text, int keypointCount)
    {
        int n = 2 * keypointCount;
        var bytes = new byte[(text.Length * 3 + 3) / 4];
        if (keypointCount < 2 || !Convert.TryFromBase64String(text, bytes, out int written) || written != (n + n * n) * sizeof(float)) return null;
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, written)).ToArray();
        try { return new ShapePrior(values[..n], values[n..]); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The mean's and the gain's values, as one vector (what a saved pipeline carries).</summary>
    public float[] Values => [.. _mean, .. _gain];

    /// <inheritdoc />
    public bool Equals(ShapePrior? other) => other is not null && _mean.AsSpan().SequenceEqual(other._mean) && _gain.AsSpan().SequenceEqual(other._gain);
    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ShapePrior);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(KeypointCount, _mean[0], _mean[^1], _gain[0], _gain[_gain.Length / 2]);
}
