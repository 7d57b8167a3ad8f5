namespace KeypointML.Tracking;

/// <summary>
/// The One Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose cutoff rises with the signal's
/// speed, so a still point stops trembling while a moving one lags little. <see cref="MinCutoff"/> (Hz) sets the smoothing
/// at rest (lower = steadier, more lag when it starts moving); <see cref="Beta"/> how fast the cutoff rises with speed
/// (higher = less lag in motion, more jitter). Speeds are in the signal's units per second.
/// </summary>
public sealed class OneEuroFilter(float minCutoff, float beta, float derivativeCutoff = 1f)
{
    private bool _started;
    private float _value, _derivative;
    private double _time;

    /// <summary>Cutoff at rest, Hz.</summary>
    public float MinCutoff { get; } = minCutoff;
    /// <summary>Cutoff increase per unit of speed.</summary>
    public float Beta { get; } = beta;

    /// <summary>The filtered value of <paramref name="value"/> observed at <paramref name="time"/> seconds.</summary>
    public float Filter(float value, double time)
    {
        if (!_started || !(time > _time))
        {
            // The first sample (or a repeated time stamp) passes through.
            if (!_started) { _value = value; _derivative = 0; }
            _started = true;
            _time = time;
            return _value;
        }
        float dt = (float)(time - _time);
        _time = time;
        float derivative = (value - _value) / dt;
        _derivative += Alpha(derivativeCutoff, dt) * (derivative - _derivative);
        float cutoff = MinCutoff + Beta * MathF.Abs(_derivative);
        _value += Alpha(cutoff, dt) * (value - _value);
        return _value;
    }

    private static float Alpha(float cutoff, float dt)
    {
        float tau = 1f / (2 * MathF.PI * cutoff);
        return 1f / (1f + tau / dt);
    }
}
