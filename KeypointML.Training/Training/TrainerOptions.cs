using KeypointML.Training.Augmentation;

namespace KeypointML.Training.Training;

/// <summary>Settings of one training run.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; }
    /// <summary>How the learning rate changes over the epochs (constant unless a recipe or the user asks otherwise).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;
    /// <summary>Epochs of linear learning-rate warm-up before the schedule (0 = none).</summary>
    public int WarmupEpochs { get; init; }
    public int BatchSize { get; init; } = 16;
    /// <summary>Seeds the weight initialisation, the shuffle, the augmentation draws and dropout.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Where the checkpoint, best model, loss CSV and pictures go.</summary>
    public required string RunFolder { get; init; }
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;
    /// <summary>Loss and decoding of the network's output (coordinate MSE unless a heatmap objective is given).</summary>
    public ITrainingObjective Objective { get; init; } = CoordinateMse.Instance;

    /// <summary>The settings that must not change when a run is resumed (everything but the epoch count).</summary>
    public string Fingerprint(string modelName) =>
        FormattableString.Invariant($"{modelName};lr={LearningRate:R};wd={WeightDecay:R};batch={BatchSize};seed={Seed};aug={Augmentation.Brightness:R},{Augmentation.MaxRotationDegrees:R},{Augmentation.MaxShiftPixels:R},{Augmentation.FlipProbability:R}")
        // Added only when used, so the fingerprints of runs made before scale augmentation existed stay valid.
        + (Augmentation.MaxScale > 0 ? FormattableString.Invariant($";scale={Augmentation.MaxScale:R}") : "")
        + (Augmentation.OcclusionProbability > 0 ? FormattableString.Invariant($";occlusion={Augmentation.OcclusionProbability:R},{Augmentation.OcclusionMinSize:R},{Augmentation.OcclusionMaxSize:R}") : "")
        + (Augmentation.LowResolutionProbability > 0 ? FormattableString.Invariant($";lowres={Augmentation.LowResolutionProbability:R},{Augmentation.LowResolutionMinSide:R},{Augmentation.LowResolutionMaxSide:R}") : "")
        + (Objective.Fingerprint.Length > 0 ? ";" + Objective.Fingerprint : "")
        // Only non-default schedules enter the fingerprint, so checkpoints made before schedules existed still resume.
        + (Schedule == LearningRateSchedule.Constant ? "" : ";schedule=" + Schedule.ToString().ToLowerInvariant())
        + (WarmupEpochs == 0 ? "" : FormattableString.Invariant($";warmup={WarmupEpochs}"));

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1; got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"--batch must be at least 1; got {BatchSize}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr must be positive; got {LearningRate}.");
        if (WarmupEpochs < 0 || WarmupEpochs >= Epochs) throw new ArgumentException($"--warmup-epochs must be from 0 to fewer than --epochs ({Epochs}); got {WarmupEpochs}.");
        if (WeightDecay < 0) throw new ArgumentException($"--weight-decay must not be negative; got {WeightDecay}.");
    }
}
