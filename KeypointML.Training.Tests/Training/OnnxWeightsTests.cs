using KeypointML.Models;
using KeypointML.Tooling.Onnx;
using KeypointML.Training.Export;
using KeypointML.Training.Models;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>A shipped model's weights read back into a fresh network (fine-tuning a model whose run folder is gone).</summary>
public class OnnxWeightsTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "kpml-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(dir, true);

    private static KeypointModelMetadata Metadata(HeatmapResNet18 net) => new()
    {
        Name = "weights-test", InputHeight = net.InputHeight, InputWidth = net.InputWidth, KeypointCount = net.KeypointCount,
        OutputKind = KeypointOutputKind.Heatmaps, HeatmapHeight = (int)net.OutputShape[1], HeatmapWidth = (int)net.OutputShape[2], CropScale = 1.4f,
    };

    /// <summary>A network with trained-looking weights and BatchNorm statistics (not the values a fresh one starts from).</summary>
    private static HeatmapResNet18 Trained(int seed)
    {
        random.manual_seed(seed);
        var net = new HeatmapResNet18(5, 64, 64, 4, sigmoidOnExport: true);
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(4, 64, 64))
        {
            net.call(imgs * 1.3).Dispose();
            foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.05);
        }
        net.eval();
        return net;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnExportedNetwork_ReadBack_GivesTheFilesOutputs(bool half)
    {
        using var source = Trained(3);
        var path = Path.Combine(dir, "model.onnx");
        OnnxExporter.Export(source, Metadata(source), path);
        if (half)
        {
            var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            HalfPrecisionWeights.Apply(proto.Graph);
            File.WriteAllBytes(path, proto.ToByteArray());
        }

        using var fresh = Trained(4);
        using var images = TestImages.Load(2, 64, 64);
        Assert.That(OnnxExporter.MaxAbsDifference(fresh, path, images), Is.GreaterThan(1e-2f), "the fresh network must start elsewhere");
        int copied = OnnxWeights.LoadInto(fresh, path);
        Assert.That(copied, Is.EqualTo(fresh.parameters().Count() + 2 * fresh.modules().OfType<TorchSharp.Modules.BatchNorm2d>().Count()),
            "every parameter and each BatchNorm's running mean and variance");
        float diff = OnnxExporter.MaxAbsDifference(fresh, path, images);
        float exported = OnnxExporter.MaxAbsDifference(source, path, images);
        TestContext.Out.WriteLine($"half {half}: read back {diff:E2}, the network that wrote it {exported:E2} (max abs difference to the file's outputs)");
        // The export's own tolerance (OnnxExportTests): ONNX Runtime and libtorch sum in different orders.
        Assert.That(diff, Is.LessThan(1e-4f));
        // The network itself trains on: still in eval mode here, and its parameters still require gradients.
        Assert.That(fresh.parameters().All(p => p.requires_grad), Is.True);
    }

    [Test]
    public void AFileOfAnotherArchitecture_IsRefused_NamingTheWeight()
    {
        using var source = Trained(3);
        var path = Path.Combine(dir, "five-points.onnx");
        OnnxExporter.Export(source, Metadata(source), path);
        using var other = new HeatmapResNet18(7, 64, 64, 4, sigmoidOnExport: true);
        var e = Assert.Throws<InvalidDataException>(() => OnnxWeights.LoadInto(other, path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("shape [5, 64, 1, 1]").And.Contain("[7, 64, 1, 1]"));
    }
}
