using KeypointML.Models;
using KeypointML.Training.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace KeypointML.Training.Models;

/// <summary>
/// A keypoint regression network: input <c>[N, 1, InputHeight, InputWidth]</c> normalized grey pixels, output
/// <c>[N, 2K]</c> normalized crop coordinates (or <c>[N, K, h, w]</c> heatmaps). Every subclass writes its own ONNX graph
/// layer by layer through <see cref="OnnxGraphBuilder"/>, so the export follows the same structure as <c>forward</c>.
/// </summary>
public abstract class KeypointNet : nn.Module<Tensor, Tensor>
{
    protected KeypointNet(string name, int inputHeight, int inputWidth, int keypointCount) : base(name)
    {
        InputHeight = inputHeight;
        InputWidth = inputWidth;
        KeypointCount = keypointCount;
    }

    public int InputHeight { get; }
    public int InputWidth { get; }
    public int KeypointCount { get; }

    /// <summary>What the exported model produces.</summary>
    public virtual KeypointOutputKind OutputKind => KeypointOutputKind.Coordinates;

    /// <summary>The output shape without the batch dimension.</summary>
    public virtual long[] OutputShape => [2L * KeypointCount];

    /// <summary>
    /// What the exported ONNX model computes: <c>forward</c> and whatever the export appends to it (a heatmap model trained
    /// on logits appends a sigmoid). Eval mode is the caller's business; the parity check compares ONNX Runtime with this.
    /// </summary>
    public virtual Tensor Infer(Tensor x) => call(x);

    /// <summary>Adds this network's nodes to <paramref name="graph"/>, reading from <paramref name="input"/>; returns the output value's name.</summary>
    public abstract string BuildOnnx(OnnxGraphBuilder graph, string input);
}
