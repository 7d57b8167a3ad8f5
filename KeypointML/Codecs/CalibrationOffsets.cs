using System.Globalization;

namespace KeypointML.Codecs;

/// <summary>
/// A model's calibration: its mean error (prediction minus label, normalized crop coordinates) on its own training
/// faces, which <see cref="OffsetCorrectedCodec"/> subtracts. Either one (x, y) for every point, as the first calibrated
/// models carry (<c>keypointml.offset</c>), or one (x, y) per point (<c>keypointml.point_offsets</c>), which
/// <c>keypointml ship --calibrate</c> records now. Immutable, compared by value.
/// </summary>
/// <remarks>Per point because the bias differs from point to point (on ibug68-heatmap's training faces: 0.46% of the
/// inter-ocular distance on the jaw, 0.18% on the eyes), which one mean offset cannot follow; what that is worth on the
/// held-out faces: <c>docs/mlnet-components.md</c>, calibration offset.</remarks>
public sealed class CalibrationOffsets : IEquatable<CalibrationOffsets>
{
    private readonly float[] _xy;

    private CalibrationOffsets(float[] xy)
    {
        for (int i = 0; i < xy.Length; i++)
            if (!float.IsFinite(xy[i])) throw new ArgumentException($"Calibration offsets must be finite; value {i} is {xy[i]}.");
        _xy = xy;
    }

    /// <summary>No correction.</summary>
    public static CalibrationOffsets None { get; } = new([]);

    /// <summary>The same (x, y) for every point; <see cref="None"/> when both are zero.</summary>
    public static CalibrationOffsets Uniform(float x, float y) => x == 0 && y == 0 ? None : new([x, y]);

    /// <summary>One (x, y) per point: x0, y0, x1, y1, ... (2K values).</summary>
    public static CalibrationOffsets PerPoint(ReadOnlySpan<float> xy)
    {
        if (xy.Length < 2 || xy.Length % 2 != 0) throw new ArgumentException($"Per-point offsets come as x, y pairs; got {xy.Length} values.");
        return new(xy.ToArray());
    }

    /// <summary>Whether there is nothing to correct.</summary>
    public bool IsNone => _xy.Length == 0;
    /// <summary>Whether each point has its own offset (else one for all, or none).</summary>
    public bool IsPerPoint => _xy.Length > 2;
    /// <summary>The stored values: empty, one (x, y), or x0, y0, x1, y1, ...</summary>
    public ReadOnlySpan<float> Values => _xy;

    /// <summary>The offset of point <paramref name="point"/>.</summary>
    public (float X, float Y) this[int point] => _xy.Length switch
    {
        0 => (0, 0),
        2 => (_xy[0], _xy[1]),
        _ => (_xy[2 * point], _xy[2 * point + 1]),
    };

    /// <summary>The mean over the points (what readers that know only one offset apply).</summary>
    public (float X, float Y) Mean
    {
        get
        {
            if (_xy.Length == 0) return (0, 0);
            double sx = 0, sy = 0;
            for (int i = 0; i < _xy.Length; i += 2) { sx += _xy[i]; sy += _xy[i + 1]; }
            int n = _xy.Length / 2;
            return ((float)(sx / n), (float)(sy / n));
        }
    }

    /// <summary>Whether these offsets fit a model of <paramref name="keypointCount"/> points.</summary>
    public bool Fits(int keypointCount) => _xy.Length is 0 or 2 || _xy.Length == 2 * keypointCount;

    /// <summary>These offsets plus <paramref name="residual"/> (per point), for a model of <paramref name="keypointCount"/>
    /// points: what a model recalibrated on top of its earlier calibration records.</summary>
    public CalibrationOffsets Plus(CalibrationOffsets residual, int keypointCount)
    {
        if (!Fits(keypointCount) || !residual.Fits(keypointCount))
            throw new ArgumentException($"Offsets of {_xy.Length} and {residual._xy.Length} values do not both fit {keypointCount} points.");
        if (!IsPerPoint && !residual.IsPerPoint)
        {
            var (a, b) = (this[0], residual[0]);
            return Uniform(a.X + b.X, a.Y + b.Y);
        }
        var sum = new float[2 * keypointCount];
        for (int i = 0; i < keypointCount; i++)
        {
            var (a, b) = (this[i], residual[i]);
            sum[2 * i] = a.X + b.X;
            sum[2 * i + 1] = a.Y + b.Y;
        }
        return new(sum);
    }

    /// <summary>The values as metadata text: numbers separated by commas, round-trip precision.</summary>
    public string Format() => string.Join(",", _xy.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Parses <see cref="Format"/>'s text; null when it is not a list of finite numbers.</summary>
    public static float[]? TryParseValues(string text)
    {
        var parts = text.Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i])) return null;
        return values;
    }

    /// <inheritdoc />
    public bool Equals(CalibrationOffsets? other) => other is not null && _xy.AsSpan().SequenceEqual(other._xy);
    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CalibrationOffsets);
    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _xy) hash.Add(v);
        return hash.ToHashCode();
    }
    /// <inheritdoc />
    public override string ToString() => IsNone ? "none" : IsPerPoint ? $"{_xy.Length / 2} points, mean {Mean}" : $"({_xy[0]}, {_xy[1]})";
}
