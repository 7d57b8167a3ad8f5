namespace KeypointML.Training.Training;

/// <summary>How the learning rate changes over a run.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate throughout (the seed's setting).</summary>
    Constant,
    /// <summary>Cosine annealing from the given rate towards zero over the run (after any warm-up).</summary>
    Cosine,
}

/// <summary>
/// The learning rate of a training step. It is a pure function of (epoch, batch), so a resumed run continues on the same
/// curve without extra checkpoint state (a resume that changes the epoch count bends the rest of the curve).
/// </summary>
public static class LearningRateSchedules
{
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">0-based batch within the epoch.</param>
    /// <param name="warmupEpochs">Epochs over which the rate rises linearly from base/steps to base first (0 = none).
    /// Adam moves every weight by about the rate per step whatever the gradient, so a high rate (the seed's 5e-3 for
    /// ResNet18) applied at once to pretrained weights and fresh batch-norm statistics can wreck them in the first steps.</param>
    public static double RateAt(LearningRateSchedule schedule, double baseRate, int epoch, int batch, int batches, int totalEpochs, int warmupEpochs = 0)
    {
        batches = Math.Max(1, batches);
        double elapsed = epoch - 1 + (double)batch / batches;
        if (warmupEpochs > 0 && elapsed < warmupEpochs)
            return baseRate * (elapsed + 1.0 / batches) / warmupEpochs;
        return schedule switch
        {
            LearningRateSchedule.Constant => baseRate,
            LearningRateSchedule.Cosine => baseRate * (1 + Math.Cos(Math.PI * (elapsed - warmupEpochs) / Math.Max(1, totalEpochs - warmupEpochs))) / 2,
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "unknown learning-rate schedule"),
        };
    }

    /// <summary>Parses the command-line spelling (constant, cosine).</summary>
    public static LearningRateSchedule Parse(string text) => text.ToLowerInvariant() switch
    {
        "constant" => LearningRateSchedule.Constant,
        "cosine" => LearningRateSchedule.Cosine,
        _ => throw new ArgumentException($"--lr-schedule must be 'constant' or 'cosine'; got '{text}'."),
    };
}
