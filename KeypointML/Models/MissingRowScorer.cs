namespace KeypointML.Models;

/// <summary>
/// Leaves rows without a tensor (NaN: a row the preprocessing marked bad) out of the model run and gives them NaN
/// outputs, so a bad row costs neither the model's time nor a good row's result.
/// </summary>
internal sealed class MissingRowScorer(IBatchScorer inner) : IBatchScorer
{
    public string Name => inner.Name;
    public int InputLength => inner.InputLength;
    public int OutputLength => inner.OutputLength;

    public void Run(float[] input, int rows, float[] output)
    {
        int n = InputLength, m = OutputLength;
        int missing = 0;
        for (int r = 0; r < rows; r++) if (float.IsNaN(input[r * n])) missing++;
        if (missing == 0)
        {
            inner.Run(input, rows, output);
            return;
        }
        int good = rows - missing;
        var packed = good == 0 ? [] : new float[good * n];
        var scores = good == 0 ? [] : new float[good * m];
        for (int r = 0, g = 0; r < rows; r++)
            if (!float.IsNaN(input[r * n])) input.AsSpan(r * n, n).CopyTo(packed.AsSpan(g++ * n, n));
        if (good > 0) inner.Run(packed, good, scores);
        for (int r = 0, g = 0; r < rows; r++)
        {
            var target = output.AsSpan(r * m, m);
            if (float.IsNaN(input[r * n])) target.Fill(float.NaN);
            else scores.AsSpan(g++ * m, m).CopyTo(target);
        }
    }
}
