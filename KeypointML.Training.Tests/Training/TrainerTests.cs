using KeypointML.Tooling.Files;
using KeypointML.Tooling.Report;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Models;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

public class TrainerTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "kpml-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(dir, true);

    private static Face58Net SmallFaceNet(long seed)
    {
        random.manual_seed(seed);
        // 16 channels, not fewer: on some CPUs libtorch's backward pass of 8-channel convolutions now and then returns
        // non-finite gradients (Trainer's remarks), and a skipped step would make the two runs differ.
        return new Face58Net(keypointCount: 1, c1: 16, c2: 16, c3: 16, c4: 16, hidden: 32, dropoutP: 0.3);
    }

    [Test]
    public void AFewEpochs_LowerTheLoss_AndWriteCsvCheckpointAndBestModel()
    {
        using var train = SyntheticData.Dots(48, 60, 80, 1);
        using var val = SyntheticData.Dots(16, 60, 80, 2);
        random.manual_seed(7);
        using var net = new NoseTipNet();
        var options = new TrainerOptions { Epochs = 4, BatchSize = 8, LearningRate = 1e-3, Seed = 7, RunFolder = dir };
        var trainer = new Trainer(net, train, val, options);
        double before = trainer.Evaluate(train);
        var result = trainer.Run();
        double after = trainer.Evaluate(train);
        TestContext.Out.WriteLine($"train MSE {before:E3} -> {after:E3}; history {string.Join(" | ", result.History)}");
        Assert.That(after, Is.LessThan(before * 0.5));
        Assert.That(result.History.Last().ValidationLoss, Is.LessThan(result.History.First().ValidationLoss));
        var csv = File.ReadAllLines(Path.Combine(dir, Trainer.LossCsvFile));
        Assert.That(csv[0], Is.EqualTo("epoch,train_loss,val_loss,seconds"));
        Assert.That(csv, Has.Length.EqualTo(5));
        Assert.That(File.Exists(Path.Combine(dir, Trainer.CheckpointFile)), Is.True);
        Assert.That(File.Exists(Path.Combine(dir, Trainer.BestModelFile)), Is.True);
        Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty);
    }

    [Test]
    public void Resume_ContinuesExactlyWhereTheRunStopped()
    {
        using var train = SyntheticData.Dots(24, 120, 160, 3);
        using var val = SyntheticData.Dots(8, 120, 160, 4);
        var aug = new AugmentationOptions { Brightness = 0.3f, MaxRotationDegrees = 15, MaxShiftPixels = 10 };
        TrainerOptions Options(string folder) => new() { Epochs = 4, BatchSize = 8, Seed = 11, RunFolder = folder, Augmentation = aug };

        // Uninterrupted: 4 epochs.
        var full = Path.Combine(dir, "full");
        using var net1 = SmallFaceNet(11);
        var r1 = new Trainer(net1, train, val, Options(full)).Run();

        // Interrupted after 2 epochs; a fresh process (new model, new optimizer, other RNG state) resumes.
        var split = Path.Combine(dir, "split");
        using (var net2 = SmallFaceNet(11))
            new Trainer(net2, train, val, Options(split)).Run(stopAfter: 2);
        random.manual_seed(999);
        using var net3 = SmallFaceNet(12345);
        var r3 = new Trainer(net3, train, val, Options(split)).Run(resume: true);

        Assert.That(r3.History.Select(h => (h.Epoch, h.TrainLoss, h.ValidationLoss)),
            Is.EqualTo(r1.History.Select(h => (h.Epoch, h.TrainLoss, h.ValidationLoss))));
        var p1 = net1.parameters().ToArray();
        var p3 = net3.parameters().ToArray();
        for (int i = 0; i < p1.Length; i++)
            Assert.That((p1[i] - p3[i]).abs().max().item<float>(), Is.EqualTo(0f), $"parameter {i} differs");
        Assert.That(File.ReadAllLines(Path.Combine(split, Trainer.LossCsvFile)).Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))),
            Is.EqualTo(File.ReadAllLines(Path.Combine(full, Trainer.LossCsvFile)).Skip(1).Select(l => string.Join(',', l.Split(',').Take(3)))));
    }

    [Test]
    public void A_step_with_a_gradient_that_is_not_finite_is_skipped_and_the_run_goes_on()
    {
        using var train = SyntheticData.Dots(24, 60, 80, 5);
        using var val = SyntheticData.Dots(8, 60, 80, 6);
        random.manual_seed(7);
        using var net = new NoseTipNet();
        var progress = new CountingProgress();
        // Every other step's gradient is NaN (loss finite): 3 steps per epoch, so steps 1 and 3 of epoch 1 and 2 of epoch 2.
        var objective = new NaNGradientEveryOtherStep();
        var options = new TrainerOptions { Epochs = 2, BatchSize = 8, Seed = 7, RunFolder = dir, Objective = objective };
        var result = new Trainer(net, train, val, options, progress).Run();
        Assert.That(progress.Skipped, Is.EqualTo(new[] { (1, 1), (1, 3), (2, 2) }));
        Assert.That(net.parameters().All(p => p.isfinite().all().item<bool>()), Is.True, "a skipped step leaves the weights as they were");
        Assert.That(result.History.All(h => double.IsFinite(h.TrainLoss) && double.IsFinite(h.ValidationLoss)), Is.True);

        // Every step not finite: the run has diverged and stops with that said.
        using var net2 = new NoseTipNet();
        var always = new TrainerOptions { Epochs = 1, BatchSize = 8, Seed = 7, RunFolder = Path.Combine(dir, "always"), Objective = new NaNGradientEveryOtherStep(every: 1) };
        Assert.That(() => new Trainer(net2, train, val, always).Run(), Throws.InvalidOperationException.With.Message.Contains("diverged"));
    }

    private sealed class CountingProgress : ITrainingProgress
    {
        public List<(int Epoch, int Batch)> Skipped { get; } = [];
        public void EpochStarted(int epoch, int totalEpochs, int batches) { }
        public void BatchDone(int epoch, int batch, double loss) { }
        public void EpochDone(EpochRecord record, bool isBest) { }
        public void StepSkipped(int epoch, int batch) => Skipped.Add((epoch, batch));
    }

    /// <summary>Coordinate MSE, plus on every <c>every</c>-th training call 0 * sqrt(0): zero in the loss, NaN (0 * inf) in
    /// the gradient. Evaluation calls (no grad) are not counted.</summary>
    private sealed class NaNGradientEveryOtherStep(int every = 2) : ITrainingObjective
    {
        private int calls;
        public string Fingerprint => "nan-gradient-test";
        public string LossName => "MSE";
        public bool LossIsKeypointMse => true;
        public Tensor Loss(Tensor output, Tensor keypoints)
        {
            var loss = nn.functional.mse_loss(output, keypoints);
            if (!output.requires_grad || calls++ % every != 0) return loss;
            return loss + 0 * (output - output.detach()).abs().sum().sqrt();
        }
        public Tensor Decode(Tensor output) => output.detach();
    }

    [Test]
    public void Resume_WithOtherSettings_IsRefused()
    {
        using var train = SyntheticData.Dots(8, 60, 80, 5);
        using var val = SyntheticData.Dots(4, 60, 80, 6);
        using var net = new NoseTipNet();
        new Trainer(net, train, val, new TrainerOptions { Epochs = 1, BatchSize = 4, RunFolder = dir }).Run();
        using var net2 = new NoseTipNet();
        var other = new Trainer(net2, train, val, new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 5e-3, RunFolder = dir });
        Assert.That(() => other.Run(resume: true), Throws.ArgumentException.With.Message.Contains("different settings"));
    }

    [Test]
    public void CheckpointWrite_IsAtomic_AFailedWriteLeavesThePreviousFile()
    {
        var path = Path.Combine(dir, "checkpoint.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.That(() => AtomicFile.Write(path, s => { s.Write([9, 9, 9, 9, 9]); throw new IOException("disk full"); }),
            Throws.InstanceOf<IOException>());
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(File.Exists(path + ".tmp"), Is.False);

        // A real checkpoint round-trips; a half-written temp file beside it does not disturb loading.
        using var net = new NoseTipNet();
        var opt = optim.Adam(net.parameters());
        Checkpoint.Save(path, new CheckpointState { Epoch = 3, Seed = 5, Fingerprint = "x" }, net, opt);
        File.WriteAllBytes(path + ".tmp", [1, 2]);
        using var net2 = new NoseTipNet();
        var state = Checkpoint.Load(path, net2, optim.Adam(net2.parameters()));
        Assert.That(state.Epoch, Is.EqualTo(3));
        Assert.That(net.parameters().Zip(net2.parameters()).All(p => (p.First - p.Second).abs().max().item<float>() == 0f), Is.True);
    }
}
