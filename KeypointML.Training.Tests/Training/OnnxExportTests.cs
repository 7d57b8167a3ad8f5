using KeypointML.Models;
using KeypointML.Training.Export;
using KeypointML.Training.Models;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Tests.Training;

/// <summary>Every architecture exported to ONNX gives ONNX Runtime outputs equal to TorchSharp's eval outputs on real images.</summary>
public class OnnxExportTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "kpml-export-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(dir, true);

    private static KeypointModelMetadata Meta(KeypointNet net) => new()
    {
        Name = net.GetType().Name,
        InputHeight = net.InputHeight,
        InputWidth = net.InputWidth,
        KeypointCount = net.KeypointCount,
        OutputKind = net.OutputKind,
        HeatmapHeight = net.OutputKind == KeypointOutputKind.Heatmaps ? (int)net.OutputShape[1] : 0,
        HeatmapWidth = net.OutputKind == KeypointOutputKind.Heatmaps ? (int)net.OutputShape[2] : 0,
    };

    private float ExportAndCompare(KeypointNet net, int imageCount = 3)
    {
        var path = Path.Combine(dir, "model.onnx");
        net.eval();
        OnnxExporter.Export(net, Meta(net), path);
        using var images = TestImages.Load(imageCount, net.InputHeight, net.InputWidth);
        var diff = OnnxExporter.MaxAbsDifference(net, path, images);
        TestContext.Out.WriteLine($"{net.GetType().Name}: max abs difference ONNX Runtime vs TorchSharp = {diff:E2}");
        return diff;
    }

    [Test]
    public void NoseTipNet_Parity()
    {
        random.manual_seed(1);
        using var net = new NoseTipNet();
        Assert.That(ExportAndCompare(net), Is.LessThan(1e-4f));
    }

    [Test]
    public void Face58Net_Parity_DropoutDropped()
    {
        random.manual_seed(2);
        using var net = new Face58Net();
        Assert.That(ExportAndCompare(net), Is.LessThan(1e-4f));
    }

    [Test]
    public void ResNet18_Parity_WithBatchNormStatistics()
    {
        random.manual_seed(3);
        using var net = new ResNet18(68, 112, 112);
        // Give the BatchNorm layers non-trivial running statistics first.
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(4, 112, 112))
            for (int i = 0; i < 3; i++) net.call(imgs * (1 + 0.3 * i)).Dispose();
        Assert.That(ExportAndCompare(net, 2), Is.LessThan(1e-4f));
    }

    [TestCase(4)]
    [TestCase(2)]
    public void FastHeatmapNet_DepthwiseSeparableUnits_Parity(int stride)
    {
        random.manual_seed(5);
        using var net = new FastHeatmapNet(68, 64, sigmoidOnExport: true, heatmapStride: stride, widths: FastHeatmapNet.WideWidths);
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(4, 64, 64))
            for (int i = 0; i < 2; i++) net.call(imgs * (1 + 0.5 * i)).Dispose();
        Assert.That(net.OutputShape, Is.EqualTo(new long[] { 68, 64 / stride, 64 / stride }));
        Assert.That(ExportAndCompare(net, 2), Is.LessThan(1e-4f));
    }

    [TestCase(4)]
    [TestCase(2)]
    public void FastHeatmapNet_decoder_steps_mixed_before_upsampling_compute_the_same_maps(int stride)
    {
        // UpsampleMixFactoring (ship --int8's first rewrite): Conv1x1(Concat(Resize(x), skip)) -> Resize(Conv1x1(x)) +
        // Conv1x1(skip) after the normalizations are folded; exact up to float rounding, checked against TorchSharp.
        random.manual_seed(6);
        using var net = new FastHeatmapNet(68, 64, sigmoidOnExport: true, heatmapStride: stride, widths: FastHeatmapNet.WideWidths);
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(4, 64, 64))
            for (int i = 0; i < 2; i++) net.call(imgs * (1 + 0.5 * i)).Dispose();
        var path = Path.Combine(dir, "model.onnx");
        net.eval();
        OnnxExporter.Export(net, Meta(net), path);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        int concats = proto.Graph.Node.Count(n => n.OpType == "Concat"), convs = proto.Graph.Node.Count(n => n.OpType == "Conv");
        Assert.That(KeypointML.Tooling.Onnx.BatchNormFolding.Apply(proto.Graph), Is.GreaterThan(0));
        int steps = stride == 2 ? 3 : 2;
        Assert.That(KeypointML.Tooling.Onnx.UpsampleMixFactoring.Apply(proto.Graph), Is.EqualTo(steps), "every decoder step");
        Assert.That(proto.Graph.Node.Count(n => n.OpType == "Concat"), Is.EqualTo(concats - steps));
        Assert.That(proto.Graph.Node.Count(n => n.OpType == "Conv"), Is.EqualTo(convs + steps));
        Assert.That(KeypointML.Tooling.Onnx.UpsampleMixFactoring.Apply(proto.Graph), Is.Zero, "nothing left to rewrite");
        var factored = Path.Combine(dir, "factored.onnx");
        File.WriteAllBytes(factored, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        using var images = TestImages.Load(2, 64, 64);
        var diff = OnnxExporter.MaxAbsDifference(net, factored, images);
        TestContext.Out.WriteLine($"factored graph vs TorchSharp: max abs difference {diff:E2}");
        Assert.That(diff, Is.LessThan(1e-4f));
    }

    [Test]
    public void HeatmapDecoder_ConvTransposeAndResize_Parity()
    {
        random.manual_seed(4);
        using var net = new TinyHeatmapNet();
        net.train();
        using (var _ = no_grad())
        using (var imgs = TestImages.Load(2, 32, 32))
            net.call(imgs).Dispose();
        Assert.That(ExportAndCompare(net, 2), Is.LessThan(1e-4f));
    }

    [Test]
    public void ExportedModel_HasContractNamesShapesAndMetadata()
    {
        random.manual_seed(5);
        using var net = new NoseTipNet();
        var meta = Meta(net) with { Name = "imm-nose", TrainingData = "IMM persons 1-32" };
        var path = Path.Combine(dir, "m.onnx");
        OnnxExporter.Export(net, meta, path);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Multiple(() =>
        {
            Assert.That(proto.IrVersion, Is.EqualTo(8));
            Assert.That(proto.OpsetImport.Single().Version, Is.EqualTo(17));
            Assert.That(proto.Graph.Input.Single().Name, Is.EqualTo("input"));
            Assert.That(proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam, Is.EqualTo("N"));
            Assert.That(proto.Graph.Output.Single().Name, Is.EqualTo("output"));
            Assert.That(proto.Graph.Initializer.All(t => t.RawData.Length > 0 && t.FloatData.Count == 0), Is.True);
            Assert.That(proto.Graph.Node.Any(n => n.OpType == "Gemm" && n.Attribute.Any(a => a.Name == "transB" && a.I == 1)), Is.True);
            var props = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
            Assert.That(KeypointModelMetadata.FromProperties(props, path), Is.EqualTo(meta));
            Assert.That(File.Exists(path + ".tmp"), Is.False);
        });
        // A batch of 5 runs through the symbolic batch dimension.
        using var x = randn(5, 1, 60, 80);
        Assert.That(OnnxExporter.RunOnnx(path, x), Has.Length.EqualTo(10));
    }

    /// <summary>A small encoder-decoder producing heatmaps: Conv, BN, ReLU, MaxPool, ConvTranspose, nearest and bilinear Upsample.</summary>
    private sealed class TinyHeatmapNet : KeypointNet
    {
        private readonly Conv2d conv1, head;
        private readonly BatchNorm2d bn1;
        private readonly MaxPool2d pool;
        private readonly ConvTranspose2d deconv;
        private readonly Upsample upNearest, upBilinear;

        public TinyHeatmapNet() : base(nameof(TinyHeatmapNet), 32, 32, 3)
        {
            conv1 = Conv2d(1, 8, 3, padding: 1);
            bn1 = BatchNorm2d(8);
            pool = MaxPool2d(2);
            deconv = ConvTranspose2d(8, 8, 4, stride: 2, padding: 1);
            upNearest = Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest);
            upBilinear = Upsample(scale_factor: [0.5, 0.5], mode: UpsampleMode.Bilinear, align_corners: false);
            head = Conv2d(8, 3, 1);
            RegisterComponents();
        }

        public override KeypointOutputKind OutputKind => KeypointOutputKind.Heatmaps;
        public override long[] OutputShape => [3, 32, 32];

        public override Tensor forward(Tensor x)
        {
            x = pool.call(functional.relu(bn1.call(conv1.call(x))));   // 16x16
            x = functional.relu(deconv.call(x));                        // 32x32
            x = upBilinear.call(upNearest.call(x));                     // 64 -> 32
            return head.call(x);
        }

        public override string BuildOnnx(OnnxGraphBuilder g, string x)
        {
            x = g.MaxPool(pool, g.Relu(g.BatchNorm(bn1, g.Conv(conv1, x))));
            x = g.Relu(g.ConvTranspose(deconv, x));
            x = g.Resize(upBilinear, g.Resize(upNearest, x));
            return g.Conv(head, x);
        }
    }
}
