using KeypointML.Data;
using KeypointML.Tooling.Files;
using KeypointML.Tooling.Report;
using System.Diagnostics;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Distillation;
using KeypointML.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>What a trainer reports while it runs (the CLI shows a progress bar; tests pass nothing).</summary>
public interface ITrainingProgress
{
    void EpochStarted(int epoch, int totalEpochs, int batches);
    void BatchDone(int epoch, int batch, double loss);
    void EpochDone(EpochRecord record, bool isBest);
    /// <summary>A step was skipped: its loss or gradient was not finite (<see cref="Trainer"/>'s remarks).</summary>
    void StepSkipped(int epoch, int batch) { }
}

/// <summary>The outcome of <see cref="Trainer.Run"/>.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, int BestEpoch, double BestValidationLoss, bool Resumed);

/// <summary>
/// Trains a <see cref="KeypointNet"/> on in-memory tensors: seeded shuffle, augmentation, Adam, the loss of
/// <see cref="TrainerOptions.Objective"/> (coordinate MSE by default), per-epoch validation, loss CSV, checkpoint and best
/// model each epoch, exact resume.
/// </summary>
/// <remarks>
/// Reproducibility: epoch <c>e</c> draws its shuffle and augmentation from generators derived from (seed, e) and reseeds
/// libtorch (dropout) from (seed, e), so a run resumed after epoch <c>e</c> from its checkpoint (weights, Adam state)
/// computes exactly what the uninterrupted run computes. Files in the run folder: <see cref="CheckpointFile"/>,
/// <see cref="BestModelFile"/>, <see cref="LossCsvFile"/>.
/// The best model is the one with the lowest validation keypoint MSE (<see cref="EpochRecord.SelectionMetric"/>): the
/// validation loss for coordinate models, the MSE of the decoded keypoints for heatmap models (so that Gaussian and
/// zero-one runs are chosen by the same measure).
/// A step whose loss or gradient is not finite is skipped (no optimizer step, left out of the epoch's mean loss) and
/// reported to <see cref="ITrainingProgress.StepSkipped"/>, as mixed-precision loss scalers do; an epoch that skips every
/// step has diverged and stops the run. Why: on some CPUs libtorch's convolution backward pass now and then returns
/// non-finite input gradients for layers of few channels (seen on an AMD EPYC machine: 8-channel 3x3 convolutions,
/// about 1 call in 100-200; none seen at 16 channels or more), and one such step turns every weight into NaN.
/// </remarks>
public sealed class Trainer
{
    public const string CheckpointFile = "checkpoint.bin";
    public const string BestModelFile = "best.bin";
    public const string LossCsvFile = "losses.csv";

    private readonly KeypointNet model;
    private readonly TensorDataset train, validation;
    private readonly TrainerOptions options;
    private readonly KeypointAugmenter augmenter;
    private readonly ITrainingProgress? progress;

    public Trainer(KeypointNet model, TensorDataset train, TensorDataset validation, TrainerOptions options, ITrainingProgress? progress = null)
    {
        options.Validate();
        if (train.Height != model.InputHeight || train.Width != model.InputWidth)
            throw new ArgumentException($"The training images are {train.Height}x{train.Width}; the model takes {model.InputHeight}x{model.InputWidth}.");
        if (train.KeypointCount != model.KeypointCount || validation.KeypointCount != model.KeypointCount)
            throw new ArgumentException($"The model predicts {model.KeypointCount} points; the data has {train.KeypointCount} (train) and {validation.KeypointCount} (validation).");
        this.model = model;
        this.train = train;
        this.validation = validation;
        this.options = options;
        this.progress = progress;
        augmenter = new KeypointAugmenter(options.Augmentation);
        Optimizer = optim.Adam(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
    }

    public optim.Optimizer Optimizer { get; }
    public string CheckpointPath => Path.Combine(options.RunFolder, CheckpointFile);
    public string BestModelPath => Path.Combine(options.RunFolder, BestModelFile);
    public string LossCsvPath => Path.Combine(options.RunFolder, LossCsvFile);

    private string Fingerprint => options.Fingerprint(model.GetType().Name);

    /// <summary>
    /// Trains up to <see cref="TrainerOptions.Epochs"/> epochs. With <paramref name="resume"/>, continues from the run
    /// folder's checkpoint (which must come from the same settings). <paramref name="stopAfter"/> ends the run early after
    /// that many epochs of this call (as an interruption would).
    /// </summary>
    public TrainingResult Run(bool resume = false, int? stopAfter = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(options.RunFolder);
        var state = new CheckpointState { Seed = options.Seed, Fingerprint = Fingerprint };
        if (resume)
        {
            if (!File.Exists(CheckpointPath)) throw new FileNotFoundException($"{CheckpointPath}: no checkpoint to resume from.");
            state = Checkpoint.Load(CheckpointPath, model, Optimizer);
            if (state.Fingerprint != Fingerprint)
                throw new ArgumentException($"{CheckpointPath}: the checkpoint was made with different settings ({state.Fingerprint}); now {Fingerprint}.");
        }
        var history = new List<EpochRecord>(state.History);
        int done = 0;
        for (int epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
        {
            if (stopAfter is int s && done >= s) break;
            cancel.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            double trainLoss = TrainEpoch(epoch, cancel);
            var (valLoss, valKeypointMse) = EvaluateLossAndKeypointMse(model, validation, options.BatchSize, options.Objective);
            var record = new EpochRecord(epoch, trainLoss, valLoss, sw.Elapsed.TotalSeconds,
                options.Objective.LossIsKeypointMse ? null : valKeypointMse);
            history.Add(record);
            bool isBest = record.SelectionMetric < state.BestValidationLoss;
            if (isBest) AtomicFile.Write(BestModelPath, stream => { using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, true); model.save(w); });
            state = state with
            {
                Epoch = epoch,
                History = history,
                BestValidationLoss = isBest ? record.SelectionMetric : state.BestValidationLoss,
                BestEpoch = isBest ? epoch : state.BestEpoch,
                ShuffleState = SeededRandom.For(options.Seed, epoch + 1, "shuffle").State,
                AugmentState = SeededRandom.For(options.Seed, epoch + 1, "augment").State,
            };
            Checkpoint.Save(CheckpointPath, state, model, Optimizer);
            Checkpoint.WriteLossCsv(LossCsvPath, history);
            progress?.EpochDone(record, isBest);
            done++;
        }
        return new TrainingResult(history, state.BestEpoch, state.BestValidationLoss, resume);
    }

    /// <summary>One pass over the shuffled training set; returns the mean per-sample training loss.</summary>
    private double TrainEpoch(int epoch, CancellationToken cancel)
    {
        model.train();
        var shuffle = SeededRandom.For(options.Seed, epoch, "shuffle");
        var augmentRng = SeededRandom.For(options.Seed, epoch, "augment");
        torch.manual_seed(unchecked((long)SeededRandom.For(options.Seed, epoch, "torch").NextUInt64()));
        var order = shuffle.Permutation(train.Count);
        int batches = (order.Length + options.BatchSize - 1) / options.BatchSize;
        progress?.EpochStarted(epoch, options.Epochs, batches);
        double sum = 0;
        int counted = 0;
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var idx = order.Skip(b * options.BatchSize).Take(options.BatchSize).Select(i => (long)i).ToArray();
            var index = torch.tensor(idx);
            var x = train.Images.index_select(0, index);
            var y = train.Targets.index_select(0, index);
            GeometricTransform[]? transforms = null;
            if (!options.Augmentation.IsIdentity) (x, y, transforms) = augmenter.AugmentWithTransforms(x, y, augmentRng);
            double rate = LearningRateSchedules.RateAt(options.Schedule, options.LearningRate, epoch, b, batches, options.Epochs, options.WarmupEpochs);
            foreach (var group in Optimizer.ParamGroups) group.LearningRate = rate;
            Optimizer.zero_grad();
            var output = model.call(x);
            // Distillation: the teacher's maps of these faces, moved as the augmentation moved them, at the output's size.
            var soft = train.Teacher is { } teacher
                ? TeacherMapWarp.Apply(teacher.index_select(0, index), transforms, train.Width, train.Height, options.Augmentation.MirrorMap,
                    (int)output.shape[2], (int)output.shape[3])
                : null;
            var loss = options.Objective.Loss(output, y, soft);
            loss.backward();
            double l = loss.item<float>();
            if (!double.IsFinite(l) || !GradientsAreFinite())
            {
                progress?.StepSkipped(epoch, b + 1);
                continue;
            }
            Optimizer.step();
            sum += l * idx.Length;
            counted += idx.Length;
            progress?.BatchDone(epoch, b + 1, l);
        }
        if (counted == 0)
            throw new InvalidOperationException($"Epoch {epoch}: every one of its {batches} steps had a loss or gradient that is not finite; the run has diverged (try a lower --lr).");
        return sum / counted;
    }

    // One reduction over every parameter's gradient: a few milliseconds against a ResNet step's seconds.
    private bool GradientsAreFinite()
    {
        using var scope = torch.NewDisposeScope();
        var checks = model.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToArray();
        return checks.Length == 0 || torch.stack(checks).all().item<bool>();
    }

    /// <summary>The objective's loss on <paramref name="data"/> in eval mode (no dropout, BN running statistics).</summary>
    public double Evaluate(TensorDataset data) => EvaluateLossAndKeypointMse(model, data, options.BatchSize, options.Objective).Loss;

    /// <summary>
    /// The objective's loss (mean over faces) and the MSE of the decoded normalized keypoints over every coordinate, for
    /// <paramref name="net"/> in eval mode, batch by batch (heatmaps of a whole set would not fit in memory).
    /// </summary>
    public static (double Loss, double KeypointMse) EvaluateLossAndKeypointMse(KeypointNet net, TensorDataset data, int batchSize, ITrainingObjective objective)
    {
        using var _ = EvalMode.Of(net);
        double lossSum = 0, squaredSum = 0;
        for (long s = 0; s < data.Count; s += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var n = Math.Min(batchSize, data.Count - s);
            var output = net.call(data.Images.narrow(0, s, n));
            var keypoints = data.Targets.narrow(0, s, n);
            lossSum += objective.Loss(output, keypoints).item<float>() * n;
            squaredSum += (objective.Decode(output) - keypoints.cpu()).square().sum().item<float>();
        }
        return (lossSum / data.Count, squaredSum / data.Targets.numel());
    }

    /// <summary>The normalized keypoints <c>[N, 2K]</c> (CPU) that the network's outputs stand for, in eval mode, batch by batch.</summary>
    public static Tensor PredictKeypoints(KeypointNet net, Tensor images, int batchSize, ITrainingObjective objective)
    {
        using var _ = EvalMode.Of(net);
        var parts = new List<Tensor>();
        for (long s = 0; s < images.shape[0]; s += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var n = Math.Min(batchSize, images.shape[0] - s);
            parts.Add(objective.Decode(net.call(images.narrow(0, s, n))).DetachFromDisposeScope());
        }
        var result = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return result;
    }

    /// <summary>The network's outputs for all images, in eval mode, batch by batch.</summary>
    public static Tensor Predict(KeypointNet net, Tensor images, int batchSize)
    {
        using var _ = EvalMode.Of(net);
        var parts = new List<Tensor>();
        using (var scope = torch.NewDisposeScope())
        {
            for (long s = 0; s < images.shape[0]; s += batchSize)
            {
                var n = Math.Min(batchSize, images.shape[0] - s);
                parts.Add(net.call(images.narrow(0, s, n)).DetachFromDisposeScope());
            }
        }
        var result = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return result;
    }

    /// <summary>Loads the best weights of a run folder into <paramref name="net"/>.</summary>
    public static void LoadBest(KeypointNet net, string runFolder)
    {
        var path = Path.Combine(runFolder, BestModelFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no best model in the run folder.");
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream);
        net.load(r);
    }
}
