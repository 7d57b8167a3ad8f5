namespace KeypointML.Training.Training;

/// <summary>How the learning rate changes from epoch to epoch.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate every epoch (the seed's setting).</summary>
    Constant,
    /// <summary>
    /// Cosine annealing from the given rate towards zero over the run's epochs: epoch e (1-based) of E trains at
    /// <c>lr * (1 + cos(pi * (e - 1) / E)) / 2</c>. The rate is a pure function of the epoch, so a resumed run
    /// continues on the same curve without extra checkpoint state (a resume that changes E bends the rest of the curve).
    /// </summary>
    Cosine,
}

/// <summary>The learning rate of an epoch under a <see cref="LearningRateSchedule"/>.</summary>
public static class LearningRateSchedules
{
    public static double RateFor(LearningRateSchedule schedule, double baseRate, int epoch, int totalEpochs) => schedule switch
    {
        LearningRateSchedule.Constant => baseRate,
        LearningRateSchedule.Cosine => baseRate * (1 + Math.Cos(Math.PI * (epoch - 1) / Math.Max(1, totalEpochs))) / 2,
        _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "unknown learning-rate schedule"),
    };

    /// <summary>Parses the command-line spelling (constant, cosine).</summary>
    public static LearningRateSchedule Parse(string text) => text.ToLowerInvariant() switch
    {
        "constant" => LearningRateSchedule.Constant,
        "cosine" => LearningRateSchedule.Cosine,
        _ => throw new ArgumentException($"--lr-schedule must be 'constant' or 'cosine'; got '{text}'."),
    };
}
