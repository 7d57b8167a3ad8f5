using KeypointML.Codecs;
using KeypointML.Models;
using KeypointML.Training.Export;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Models;
using KeypointML.Training.Training;
using Onnx;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>HeatmapResNet18: export parity, and training lowers the loss for every target/loss pairing.</summary>
public class HeatmapModelTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "kpml-heatmap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(dir, true);

    [TestCase(4, false)]
    [TestCase(2, true)]
    public void HeatmapResNet18_ExportParity_AndHeatmapMetadata(int stride, bool sigmoid)
    {
        random.manual_seed(8);
        using var net = new HeatmapResNet18(68, 64, 64, stride, sigmoidOnExport: sigmoid);
        // Non-trivial BatchNorm statistics and a non-zero head, as after training.
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(4, 64, 64))
        {
            for (int i = 0; i < 3; i++) net.call(imgs * (1 + 0.3 * i)).Dispose();
            foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.01);
        }
        net.eval();
        int size = 64 / stride;
        Assert.That(net.OutputShape, Is.EqualTo(new long[] { 68, size, size }));
        var meta = new KeypointModelMetadata
        {
            Name = "heatmap-test", InputHeight = 64, InputWidth = 64, KeypointCount = 68,
            OutputKind = KeypointOutputKind.Heatmaps, HeatmapHeight = size, HeatmapWidth = size, CropScale = 1.4f,
        };
        var path = Path.Combine(dir, "heatmap.onnx");
        OnnxExporter.Export(net, meta, path);
        using var images = TestImages.Load(2, 64, 64);
        float diff = OnnxExporter.MaxAbsDifference(net, path, images);
        TestContext.Out.WriteLine($"stride {stride}, sigmoid {sigmoid}: max abs difference ONNX Runtime vs TorchSharp = {diff:E2}");
        Assert.That(diff, Is.LessThan(1e-4f));

        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var props = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.That(KeypointModelMetadata.FromProperties(props, path), Is.EqualTo(meta));
        Assert.That(proto.Graph.Node.Count(n => n.OpType == "Concat"), Is.EqualTo(stride == 4 ? 3 : 4), "one skip connection per decoder step");
        Assert.That(proto.Graph.Node.Last().OpType, Is.EqualTo(sigmoid ? "Sigmoid" : "Conv"));
        var output = OnnxExporter.RunOnnx(path, images);
        Assert.That(output, Has.Length.EqualTo(2 * 68 * size * size));
        if (sigmoid) Assert.That(output.All(v => v is >= 0f and <= 1f), Is.True, "probabilities");
    }

    [TestCase(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse)]
    [TestCase(HeatmapTargetKind.Gaussian, HeatmapLossKind.Logistic)]
    [TestCase(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic)]
    public void AFewTrainingSteps_LowerTheHeatmapLoss(HeatmapTargetKind target, HeatmapLossKind loss)
    {
        using var data = SyntheticData.Dots(8, 64, 64, 21);
        random.manual_seed(5);
        var objective = new HeatmapObjective(target, loss, 16, 16, Sigma: 1f);
        using var net = new HeatmapResNet18(1, 64, 64, 4, sigmoidOnExport: objective.OutputIsLogits);
        net.InitializeHeadBias(objective.InitialLogit);
        var adam = optim.Adam(net.parameters(), lr: 1e-3);
        net.train();
        var losses = new List<float>();
        for (int step = 0; step < 12; step++)
        {
            using var scope = NewDisposeScope();
            adam.zero_grad();
            var l = objective.Loss(net.call(data.Images), data.Targets);
            l.backward();
            adam.step();
            losses.Add(l.item<float>());
        }
        TestContext.Out.WriteLine($"{objective.Describe()}: {string.Join(" ", losses.Select(l => l.ToString("G3")))}");
        Assert.That(losses.Skip(9).Average(), Is.LessThan(losses[0] * 0.8), "the loss falls");
    }

    [Test]
    public void Trainer_WithAHeatmapObjective_SelectsOnTheKeypointMse_AndRefusesAnotherObjectiveOnResume()
    {
        using var train = SyntheticData.Dots(16, 64, 64, 31);
        using var val = SyntheticData.Dots(8, 64, 64, 32);
        var objective = new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, 16, 16, 1f);
        random.manual_seed(3);
        using var net = new HeatmapResNet18(1, 64, 64, 4);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 8, LearningRate = 1e-3, Seed = 3, RunFolder = dir, Objective = objective };
        var result = new Trainer(net, train, val, options).Run();
        Assert.That(result.History.All(h => h.ValidationKeypointMse is > 0), Is.True);
        Assert.That(result.BestValidationLoss, Is.EqualTo(result.History.Min(h => h.ValidationKeypointMse!.Value)));
        var csv = File.ReadAllLines(Path.Combine(dir, Trainer.LossCsvFile));
        Assert.That(csv[0], Is.EqualTo("epoch,train_loss,val_loss,seconds,val_keypoint_mse"));
        Assert.That(csv, Has.Length.EqualTo(3));

        using var net2 = new HeatmapResNet18(1, 64, 64, 4);
        var other = options with { Epochs = 3, Objective = objective with { LossKind = HeatmapLossKind.Logistic } };
        Assert.That(() => new Trainer(net2, train, val, other).Run(resume: true), Throws.ArgumentException.With.Message.Contains("different settings"));
    }

    [Test]
    public void CoordinateFingerprint_IsUnchanged_SoOlderCheckpointsStillResume()
    {
        var options = new TrainerOptions { RunFolder = dir, LearningRate = 5e-3, WeightDecay = 1e-5, BatchSize = 64 };
        Assert.That(options.Fingerprint("ResNet18"), Is.EqualTo("ResNet18;lr=0.005;wd=1E-05;batch=64;seed=1;aug=0,0,0,0"));
    }
}
