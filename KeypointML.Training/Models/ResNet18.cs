using KeypointML.Training.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>ResNet's basic block: conv 3x3 -> BN -> ReLU -> conv 3x3 -> BN, plus the (optionally 1x1-projected) input, -> ReLU.</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly ReLU relu;
    private readonly Conv2d? downsample_conv;
    private readonly BatchNorm2d? downsample_bn;

    public BasicBlock(int inPlanes, int planes, int stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        relu = ReLU();
        if (stride != 1 || inPlanes != planes)
        {
            downsample_conv = Conv2d(inPlanes, planes, 1, stride: stride, bias: false);
            downsample_bn = BatchNorm2d(planes);
        }
        RegisterComponents();
    }

    internal Conv2d Conv1 => conv1;
    internal Conv2d Conv2 => conv2;
    internal BatchNorm2d Bn1 => bn1;
    internal BatchNorm2d Bn2 => bn2;
    internal Conv2d? DownsampleConv => downsample_conv;
    internal BatchNorm2d? DownsampleBn => downsample_bn;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = relu.call(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        var shortcut = downsample_conv is null ? x : downsample_bn!.call(downsample_conv.call(x));
        return relu.call(y + shortcut).MoveToOuterDisposeScope();
    }

    internal string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        var y = g.Relu(g.BatchNorm(bn1, g.Conv(conv1, x)));
        y = g.BatchNorm(bn2, g.Conv(conv2, y));
        var shortcut = downsample_conv is null ? x : g.BatchNorm(downsample_bn!, g.Conv(downsample_conv, x));
        return g.Relu(g.Add(y, shortcut));
    }
}

/// <summary>
/// The layers ImageNet weights load into (<see cref="ImageNetResNet18.Load"/>): the stem (conv 7x7/2 + BN) and the basic
/// blocks of the 4 stages. <see cref="ResNet18"/> and <see cref="HeatmapResNet18"/> share them.
/// </summary>
public interface IResNetEncoder
{
    Conv2d Conv1 { get; }
    BatchNorm2d Bn1 { get; }
    /// <summary>The blocks of each of the 4 stages (64, 128, 256, 512 channels).</summary>
    IReadOnlyList<IReadOnlyList<BasicBlock>> Stages { get; }
}

/// <summary>
/// ResNet18 (He et al.) with a one-channel first convolution and <c>2K</c> outputs (136 for the 68 iBUG points):
/// conv 7x7/2 -> BN -> ReLU -> max-pool 3x3/2 -> 4 stages of 2 basic blocks (64, 128, 256, 512 channels) -> global
/// average pool -> FC. Parameter names follow torchvision (conv1, bn1, layer1.0.conv1, ..., fc).
/// </summary>
public sealed class ResNet18 : KeypointNet, IResNetEncoder
{
    public const int DefaultSize = 224;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <param name="blocksPerStage">Basic blocks in each of the 4 stages; ResNet18 is 2, 2, 2, 2 (other counts exist for
    /// tests against networks such as the ImageNet file, which has 3 blocks in its last stage).</param>
    public ResNet18(int keypointCount = 68, int inputHeight = DefaultSize, int inputWidth = DefaultSize, int[]? blocksPerStage = null)
        : base(nameof(ResNet18), inputHeight, inputWidth, keypointCount)
    {
        var n = blocksPerStage ?? [2, 2, 2, 2];
        (conv1, bn1, maxpool) = Stem();
        (layer1, layer2, layer3, layer4) = Stages4(n);
        relu = ReLU();
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(512, 2 * keypointCount);
        RegisterComponents();
        KaimingInit(this);
    }

    /// <summary>The stem: conv 7x7/2 (1 -> 64 channels, no bias), its BN, and the max-pool 3x3/2.</summary>
    internal static (Conv2d Conv, BatchNorm2d Bn, MaxPool2d Pool) Stem() =>
        (Conv2d(1, 64, 7, stride: 2, padding: 3, bias: false), BatchNorm2d(64), MaxPool2d(3, stride: 2, padding: 1));

    /// <summary>The 4 stages (64, 128, 256, 512 channels; strides 1, 2, 2, 2) with the given blocks per stage.</summary>
    internal static (Sequential, Sequential, Sequential, Sequential) Stages4(int[] blocksPerStage)
    {
        var n = blocksPerStage;
        if (n.Length != 4 || n.Any(b => b < 1)) throw new ArgumentException("ResNet needs 4 stages of at least one block each.");
        static Sequential Stage(int inPlanes, int planes, int stride, int count) =>
            Sequential(Enumerable.Range(0, count).Select(i => (nn.Module<Tensor, Tensor>)new BasicBlock(i == 0 ? inPlanes : planes, planes, i == 0 ? stride : 1)).ToArray());
        return (Stage(64, 64, 1, n[0]), Stage(64, 128, 2, n[1]), Stage(128, 256, 2, n[2]), Stage(256, 512, 2, n[3]));
    }

    /// <summary>torchvision's initialisation: Kaiming normal (fan_out) for convolutions; BN weight 1 and bias 0 (TorchSharp's default).</summary>
    internal static void KaimingInit(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, p) in module.named_parameters())
        {
            if (p.dim() == 4) init.kaiming_normal_(p, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
        }
    }

    /// <summary>The blocks of each stage of a ResNet built by <see cref="Stages4"/>.</summary>
    internal static IReadOnlyList<IReadOnlyList<BasicBlock>> StageBlocks(params Sequential[] stages) =>
        stages.Select(l => (IReadOnlyList<BasicBlock>)l.children().Cast<BasicBlock>().ToList()).ToList();

    /// <summary>
    /// Starts the network at the mean training shape: the last layer's bias becomes the mean shape and its weights are
    /// scaled down 100x, so the first predictions sit on the average face instead of around 0. Without this, the first
    /// Adam steps at the seed's learning rate (5e-3) chase a loss of ~0.2 and wreck the (pretrained) features.
    /// </summary>
    public void InitializeOutputBias(ReadOnlySpan<float> meanShape)
    {
        if (meanShape.Length != fc.out_features)
            throw new ArgumentException($"The mean shape has {meanShape.Length} values; the output layer has {fc.out_features}.");
        using var _ = no_grad();
        fc.bias!.copy_(tensor(meanShape.ToArray()));
        fc.weight!.mul_(0.01f);
    }

    public Conv2d Conv1 => conv1;
    public BatchNorm2d Bn1 => bn1;

    /// <summary>The basic blocks in order (layer1.0, layer1.1, ..., layer4.1).</summary>
    internal IEnumerable<BasicBlock> Blocks => Stages.SelectMany(s => s);

    /// <summary>The blocks of each of the 4 stages.</summary>
    public IReadOnlyList<IReadOnlyList<BasicBlock>> Stages => StageBlocks(layer1, layer2, layer3, layer4);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        x = avgpool.call(x).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }

    public override string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        x = g.MaxPool(maxpool, g.Relu(g.BatchNorm(bn1, g.Conv(conv1, x))));
        foreach (var block in Blocks) x = block.BuildOnnx(g, x);
        x = g.Flatten(g.GlobalAveragePool(x));
        return g.Linear(fc, x);
    }
}
