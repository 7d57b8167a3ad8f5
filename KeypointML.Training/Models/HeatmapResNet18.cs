using KeypointML.Models;
using KeypointML.Training.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>
/// One UNet decoder step: bilinear 2x upsampling of the coarser features, concatenation with the encoder's skip features
/// of that resolution, conv 3x3 -> BN -> ReLU.
/// </summary>
/// <remarks>Bilinear upsampling + convolution rather than a transposed convolution: no checkerboard pattern in the
/// heatmaps (a stride-2 ConvTranspose overlaps its kernel unevenly), and the argmax decoder is sensitive to such ripples.</remarks>
public sealed class UpBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly Upsample up;
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly ReLU relu;

    public UpBlock(int inChannels, int skipChannels, int outChannels) : base(nameof(UpBlock))
    {
        up = Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Bilinear, align_corners: false);
        conv = Conv2d(inChannels + skipChannels, outChannels, 3, padding: 1, bias: false);
        bn = BatchNorm2d(outChannels);
        relu = ReLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor skip)
    {
        using var scope = NewDisposeScope();
        var y = cat([up.call(x), skip], 1);
        return relu.call(bn.call(conv.call(y))).MoveToOuterDisposeScope();
    }

    internal string BuildOnnx(OnnxGraphBuilder g, string x, string skip) =>
        g.Relu(g.BatchNorm(bn, g.Conv(conv, g.Concat(1, g.Resize(up, x), skip))));
}

/// <summary>
/// A fully convolutional heatmap network: the ResNet18 encoder (the same stem and basic blocks as <see cref="ResNet18"/>,
/// so ImageNet weights load into it) and a UNet decoder that climbs back with skip connections to a heatmap of
/// 1/<see cref="HeatmapStride"/> of the input, then a 1x1 convolution to one map per keypoint.
/// </summary>
/// <remarks>
/// <para>Resolutions for a 224 input: stem 112 (64 ch) -> layer1 56 (64) -> layer2 28 (128) -> layer3 14 (256) ->
/// layer4 7 (512); decoder 7 -> 14 (+layer3, 256 ch) -> 28 (+layer2, 128) -> 56 (+layer1, 64) [-> 112 (+stem, 64) for
/// stride 2] -> 1x1 conv to K maps.</para>
/// <para><c>forward</c> returns raw scores (logits for the logistic losses). With <see cref="SigmoidOnExport"/> the exported
/// model (and <see cref="Infer"/>) applies a sigmoid, so the ML.NET heatmap decoder's confidence (the peak value) is a
/// probability; the argmax is the same either way.</para>
/// </remarks>
public sealed class HeatmapResNet18 : HeatmapNet, IResNetEncoder
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly UpBlock up3, up2, up1;
    private readonly UpBlock? up0;
    private readonly Conv2d head;

    /// <param name="heatmapStride">Input pixels per heatmap cell: 4 (56x56 maps for a 224 input) or 2 (112x112).</param>
    /// <param name="sigmoidOnExport">Append a sigmoid to the exported model (for networks trained on logits).</param>
    public HeatmapResNet18(int keypointCount = 68, int inputHeight = ResNet18.DefaultSize, int inputWidth = ResNet18.DefaultSize,
        int heatmapStride = 4, bool sigmoidOnExport = false, int[]? blocksPerStage = null)
        : base(nameof(HeatmapResNet18), inputHeight, inputWidth, keypointCount, sigmoidOnExport)
    {
        if (heatmapStride is not (2 or 4)) throw new ArgumentException($"The heatmap stride must be 2 or 4; got {heatmapStride}.");
        if (inputHeight % 32 != 0 || inputWidth % 32 != 0) throw new ArgumentException($"The input must be a multiple of 32 on each side (5 halvings); got {inputHeight}x{inputWidth}.");
        HeatmapStride = heatmapStride;
        (conv1, bn1, maxpool) = ResNet18.Stem();
        (layer1, layer2, layer3, layer4) = ResNet18.Stages4(blocksPerStage ?? [2, 2, 2, 2]);
        relu = ReLU();
        up3 = new UpBlock(512, 256, 256);
        up2 = new UpBlock(256, 128, 128);
        up1 = new UpBlock(128, 64, 64);
        if (heatmapStride == 2) up0 = new UpBlock(64, 64, 64);
        head = Conv2d(64, keypointCount, 1);
        RegisterComponents();
        InitializeWeights();
    }

    protected override Conv2d Head => head;

    /// <summary>Input pixels per heatmap cell (4 or 2).</summary>
    public int HeatmapStride { get; }
    public int HeatmapHeight => InputHeight / HeatmapStride;
    public int HeatmapWidth => InputWidth / HeatmapStride;
    public override long[] OutputShape => [KeypointCount, HeatmapHeight, HeatmapWidth];

    public Conv2d Conv1 => conv1;
    public BatchNorm2d Bn1 => bn1;
    public IReadOnlyList<IReadOnlyList<BasicBlock>> Stages => ResNet18.StageBlocks(layer1, layer2, layer3, layer4);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var stem = relu.call(bn1.call(conv1.call(x)));   // 1/2
        var s1 = layer1.call(maxpool.call(stem));           // 1/4, 64
        var s2 = layer2.call(s1);                           // 1/8, 128
        var s3 = layer3.call(s2);                           // 1/16, 256
        var s4 = layer4.call(s3);                           // 1/32, 512
        var y = up1.call(up2.call(up3.call(s4, s3), s2), s1);
        if (up0 is not null) y = up0.call(y, stem);
        return head.call(y).MoveToOuterDisposeScope();
    }

    public override string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        var stem = g.Relu(g.BatchNorm(bn1, g.Conv(conv1, x)));
        var skips = new List<string>();
        var y = g.MaxPool(maxpool, stem);
        foreach (var stage in Stages)
        {
            foreach (var block in stage) y = block.BuildOnnx(g, y);
            skips.Add(y);
        }
        y = up3.BuildOnnx(g, skips[3], skips[2]);
        y = up2.BuildOnnx(g, y, skips[1]);
        y = up1.BuildOnnx(g, y, skips[0]);
        if (up0 is not null) y = up0.BuildOnnx(g, y, stem);
        return ExportActivation(g, g.Conv(head, y));
    }
}
