using KeypointML.Models;
using KeypointML.Training.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>
/// MobileNet's depthwise-separable unit: depthwise conv 3x3 (stride 1 or 2) -> BN -> ReLU -> pointwise conv 1x1 -> BN
/// -> ReLU, plus the input when the shapes match (stride 1, same channels).
/// </summary>
/// <remarks>About 9/C + 1/9 of a full 3x3 convolution's cost: what lets a 68-map heatmap network run in about a
/// millisecond on one CPU core.</remarks>
public sealed class SeparableBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d depthwise, pointwise;
    private readonly BatchNorm2d bn1, bn2;
    private readonly ReLU relu;
    private readonly bool residual;

    public SeparableBlock(int inChannels, int outChannels, int stride = 1) : base(nameof(SeparableBlock))
    {
        depthwise = Conv2d(inChannels, inChannels, 3, stride: stride, padding: 1, groups: inChannels, bias: false);
        bn1 = BatchNorm2d(inChannels);
        pointwise = Conv2d(inChannels, outChannels, 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        relu = ReLU();
        residual = stride == 1 && inChannels == outChannels;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = relu.call(bn2.call(pointwise.call(relu.call(bn1.call(depthwise.call(x))))));
        return (residual ? y + x : y).MoveToOuterDisposeScope();
    }

    internal string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        var y = g.Relu(g.BatchNorm(bn2, g.Conv(pointwise, g.Relu(g.BatchNorm(bn1, g.Conv(depthwise, x))))));
        return residual ? g.Add(y, x) : y;
    }
}

/// <summary>
/// One decoder step of <see cref="FastHeatmapNet"/>: bilinear 2x upsampling, concatenation with the encoder's features of
/// that resolution, a 1x1 convolution that mixes them down (BN, ReLU), then a separable 3x3 unit for spatial context.
/// </summary>
public sealed class FastUpBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly Upsample up;
    private readonly Conv2d mix;
    private readonly BatchNorm2d bn;
    private readonly ReLU relu;
    private readonly SeparableBlock refine;

    public FastUpBlock(int inChannels, int skipChannels, int outChannels) : base(nameof(FastUpBlock))
    {
        up = Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Bilinear, align_corners: false);
        mix = Conv2d(inChannels + skipChannels, outChannels, 1, bias: false);
        bn = BatchNorm2d(outChannels);
        relu = ReLU();
        refine = new SeparableBlock(outChannels, outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor skip)
    {
        using var scope = NewDisposeScope();
        var y = relu.call(bn.call(mix.call(cat([up.call(x), skip], 1))));
        return refine.call(y).MoveToOuterDisposeScope();
    }

    internal string BuildOnnx(OnnxGraphBuilder g, string x, string skip) =>
        refine.BuildOnnx(g, g.Relu(g.BatchNorm(bn, g.Conv(mix, g.Concat(1, g.Resize(up, x), skip)))));
}

/// <summary>
/// A small fully convolutional heatmap network for one CPU core: a MobileNet-style encoder of depthwise-separable units
/// (1/2 -> 1/4 -> 1/8 -> 1/16 of the input) and a two-step UNet decoder back to heatmaps of 1/4 of the input, one map per
/// keypoint (32x32 maps for a 128x128 face; stride 2: a third step to 64x64). About 47 million multiply-adds at 128 px, 1/40 of <see cref="HeatmapResNet18"/>.
/// </summary>
/// <remarks>
/// <para>Resolutions for 128: stem 64 (16 ch) -> 64 (32) -> 32 (48) -> 16 (96) -> 8 (192); decoder 8 -> 16 (+96, 96 ch)
/// -> 32 (+48, 64) -> 1x1 conv to K maps. Trained from random weights (no ImageNet start exists for it here).</para>
/// <para>Like <see cref="HeatmapResNet18"/>, <c>forward</c> returns logits and the export appends a sigmoid when trained
/// with the logistic loss, so the same <see cref="KeypointML.Codecs.HeatmapCodec"/> decodes both.</para>
/// </remarks>
public sealed class FastHeatmapNet : HeatmapNet
{
    public const int DefaultSize = 128;

    private readonly Conv2d stem;
    private readonly BatchNorm2d stemBn;
    private readonly ReLU relu;
    private readonly Sequential stage1, stage2, stage3, stage4;
    private readonly FastUpBlock up2, up1;
    private readonly FastUpBlock? up0;
    private readonly Conv2d head;

    /// <param name="heatmapStride">Input pixels per heatmap cell: 4 (32x32 maps for 128) or 2 (64x64: one more decoder
    /// step, onto the 1/2-resolution features).</param>
    /// <param name="widths">Channels of the stem, the four stages and the two decoder steps (default
    /// <see cref="DefaultWidths"/>; <see cref="WideWidths"/> costs about 1.7x).</param>
    public FastHeatmapNet(int keypointCount = 68, int inputSize = DefaultSize, bool sigmoidOnExport = true, int heatmapStride = 4,
        int[]? widths = null)
        : base(nameof(FastHeatmapNet), inputSize, inputSize, keypointCount, sigmoidOnExport)
    {
        var c = widths ?? DefaultWidths;
        if (c.Length != 7 || c.Any(w => w < 1)) throw new ArgumentException("FastHeatmapNet widths: stem, 4 stages, 2 decoder steps (7 positive numbers).");
        Widths = c;
        if (inputSize % 16 != 0) throw new ArgumentException($"The input must be a multiple of 16 (4 halvings); got {inputSize}.");
        if (heatmapStride is not (2 or 4)) throw new ArgumentException($"The heatmap stride must be 2 or 4; got {heatmapStride}.");
        Stride = heatmapStride;
        stem = Conv2d(1, c[0], 3, stride: 2, padding: 1, bias: false);
        stemBn = BatchNorm2d(c[0]);
        relu = ReLU();
        stage1 = Sequential(new SeparableBlock(c[0], c[1]));
        stage2 = Sequential(new SeparableBlock(c[1], c[2], 2), new SeparableBlock(c[2], c[2]), new SeparableBlock(c[2], c[2]));
        stage3 = Sequential(new SeparableBlock(c[2], c[3], 2), new SeparableBlock(c[3], c[3]), new SeparableBlock(c[3], c[3]));
        stage4 = Sequential(new SeparableBlock(c[3], c[4], 2), new SeparableBlock(c[4], c[4]), new SeparableBlock(c[4], c[4]), new SeparableBlock(c[4], c[4]));
        up2 = new FastUpBlock(c[4], c[3], c[5]);
        up1 = new FastUpBlock(c[5], c[2], c[6]);
        if (heatmapStride == 2) up0 = new FastUpBlock(c[6], c[1], c[6] / 2);
        head = Conv2d(heatmapStride == 2 ? c[6] / 2 : c[6], keypointCount, 1);
        RegisterComponents();
        InitializeWeights();
    }

    protected override Conv2d Head => head;

    /// <summary>16, 32, 48, 96, 192 channels in the encoder, 96 and 64 in the decoder: about 47 million multiply-adds at 128 px.</summary>
    public static readonly int[] DefaultWidths = [16, 32, 48, 96, 192, 96, 64];
    /// <summary>16, 32, 64, 128, 256 and 128, 64: about 81 million multiply-adds at 128 px.</summary>
    public static readonly int[] WideWidths = [16, 32, 64, 128, 256, 128, 64];

    /// <summary>Channels of the stem, the stages and the decoder steps.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Input pixels per heatmap cell.</summary>
    public int Stride { get; }
    public int HeatmapSize => InputHeight / Stride;

    public override long[] OutputShape => [KeypointCount, HeatmapSize, HeatmapSize];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s1 = stage1.call(relu.call(stemBn.call(stem.call(x)))); // 1/2
        var s2 = stage2.call(s1);                                   // 1/4
        var s3 = stage3.call(s2);                                   // 1/8
        var s4 = stage4.call(s3);                                   // 1/16
        var y = up1.call(up2.call(s4, s3), s2);
        if (up0 is not null) y = up0.call(y, s1);
        return head.call(y).MoveToOuterDisposeScope();
    }

    public override string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        string Stage(Sequential stage, string y)
        {
            foreach (var block in stage.children().Cast<SeparableBlock>()) y = block.BuildOnnx(g, y);
            return y;
        }
        var s1 = Stage(stage1, g.Relu(g.BatchNorm(stemBn, g.Conv(stem, x))));
        var s2 = Stage(stage2, s1);
        var s3 = Stage(stage3, s2);
        var s4 = Stage(stage4, s3);
        var y = up1.BuildOnnx(g, up2.BuildOnnx(g, s4, s3), s2);
        if (up0 is not null) y = up0.BuildOnnx(g, y, s1);
        return ExportActivation(g, g.Conv(head, y));
    }
}
