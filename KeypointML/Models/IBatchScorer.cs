namespace KeypointML.Models;

/// <summary>What the scoring components run: batches of [1, H, W] tensors in, fixed-size outputs out. Thread-safe.</summary>
internal interface IBatchScorer
{
    /// <summary>The model file's name, for messages.</summary>
    string Name { get; }
    /// <summary>Floats of one input tensor.</summary>
    int InputLength { get; }
    /// <summary>Floats of one row's output.</summary>
    int OutputLength { get; }
    /// <summary>Scores the first <paramref name="rows"/> inputs into <paramref name="output"/>.</summary>
    void Run(float[] input, int rows, float[] output);
}

/// <summary>
/// Test-time flip averaging: each face is scored as it is and mirrored (one batch of both), and a row's output is the two
/// outputs one after the other; <see cref="Codecs.FlipAveragingCodec"/> decodes both and averages the points.
/// </summary>
internal sealed class FlipScorer(KeypointModel model) : IBatchScorer
{
    public string Name => model.Name;
    public int InputLength => model.InputLength;
    public int OutputLength => 2 * model.OutputLength;

    public void Run(float[] input, int rows, float[] output)
    {
        int h = model.Metadata.InputHeight, w = model.Metadata.InputWidth, n = InputLength, m = model.OutputLength;
        var both = new float[2 * rows * n];
        input.AsSpan(0, rows * n).CopyTo(both);
        for (int r = 0; r < rows; r++)
            for (int y = 0; y < h; y++)
            {
                var source = input.AsSpan(r * n + y * w, w);
                var target = both.AsSpan((rows + r) * n + y * w, w);
                for (int x = 0; x < w; x++) target[x] = source[w - 1 - x];
            }
        var outputs = new float[2 * rows * m];
        model.Run(both, 2 * rows, outputs);
        for (int r = 0; r < rows; r++)
        {
            outputs.AsSpan(r * m, m).CopyTo(output.AsSpan(2 * r * m, m));
            outputs.AsSpan((rows + r) * m, m).CopyTo(output.AsSpan((2 * r + 1) * m, m));
        }
    }
}
