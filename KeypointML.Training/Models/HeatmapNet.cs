using KeypointML.Models;
using KeypointML.Training.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>
/// What every heatmap network shares: one map per keypoint from a final 1x1 convolution (<see cref="Head"/>), a head that
/// starts near zero with a settable prior bias, and an optional sigmoid appended on export (networks trained on logits),
/// so the exported maps are probabilities and one <see cref="KeypointML.Codecs.HeatmapCodec"/> decodes them all.
/// </summary>
public abstract class HeatmapNet : KeypointNet
{
    protected HeatmapNet(string name, int inputHeight, int inputWidth, int keypointCount, bool sigmoidOnExport)
        : base(name, inputHeight, inputWidth, keypointCount) => SigmoidOnExport = sigmoidOnExport;

    /// <summary>Whether the exported model (and <see cref="Infer"/>) ends in a sigmoid.</summary>
    public bool SigmoidOnExport { get; }

    public override KeypointOutputKind OutputKind => KeypointOutputKind.Heatmaps;

    /// <summary>The final 1x1 convolution to one map per keypoint (a registered layer of the subclass).</summary>
    protected abstract Conv2d Head { get; }

    /// <summary>Kaiming initialisation of every convolution, then the head near zero (std 0.001, as SimpleBaselines/HRNet)
    /// with a zero bias, so the first outputs equal the bias (see <see cref="InitializeHeadBias"/>) on every cell. Call
    /// after <c>RegisterComponents</c>.</summary>
    protected void InitializeWeights()
    {
        ResNet18.KaimingInit(this);
        using var _ = no_grad();
        init.normal_(Head.weight!, 0, 0.001);
        Head.bias!.zero_();
    }

    /// <summary>
    /// Sets every map's output bias to <paramref name="value"/>. For the logistic losses this is the logit of the mean
    /// target value (RetinaNet's prior initialisation): the first steps then do not spend themselves pushing thousands of
    /// negative cells down, and the single positive cell's gradient is not drowned.
    /// </summary>
    public void InitializeHeadBias(float value)
    {
        using var _ = no_grad();
        Head.bias!.fill_(value);
    }

    public override Tensor Infer(Tensor x)
    {
        if (!SigmoidOnExport) return call(x);
        using var scope = NewDisposeScope();
        return sigmoid(call(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The exported graph's last step after the head: the sigmoid when <see cref="SigmoidOnExport"/>.</summary>
    protected string ExportActivation(OnnxGraphBuilder g, string maps) => SigmoidOnExport ? g.Sigmoid(maps) : maps;
}
