using KeypointML.Training.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>
/// The seed's Part 1 network: input 1x60x80 (H x W); [conv 3x3 -> ReLU -> max-pool 2] x 3 -> FC -> ReLU -> FC -> 2.
/// Output: the nose tip (x, y) in normalized crop coordinates.
/// </summary>
public sealed class NoseTipNet : KeypointNet
{
    public const int Height = 60, Width = 80;

    private readonly Conv2d conv1, conv2, conv3;
    private readonly MaxPool2d pool;
    private readonly ReLU relu;
    private readonly Linear fc1, fc2;

    /// <param name="channels">Output channels of the three convolutions.</param>
    /// <param name="hidden">Width of the hidden fully connected layer.</param>
    public NoseTipNet(int c1 = 16, int c2 = 32, int c3 = 64, int hidden = 128, int keypointCount = 1)
        : base(nameof(NoseTipNet), Height, Width, keypointCount)
    {
        conv1 = Conv2d(1, c1, 3, padding: 1);
        conv2 = Conv2d(c1, c2, 3, padding: 1);
        conv3 = Conv2d(c2, c3, 3, padding: 1);
        pool = MaxPool2d(2);
        relu = ReLU();
        // 60x80 -> 30x40 -> 15x20 -> 7x10
        fc1 = Linear(c3 * (Height / 8) * (Width / 8), hidden);
        fc2 = Linear(hidden, 2 * keypointCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = pool.call(relu.call(conv1.call(x)));
        x = pool.call(relu.call(conv2.call(x)));
        x = pool.call(relu.call(conv3.call(x)));
        x = x.flatten(1);
        x = relu.call(fc1.call(x));
        return fc2.call(x).MoveToOuterDisposeScope();
    }

    public override string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        x = g.MaxPool(pool, g.Relu(g.Conv(conv1, x)));
        x = g.MaxPool(pool, g.Relu(g.Conv(conv2, x)));
        x = g.MaxPool(pool, g.Relu(g.Conv(conv3, x)));
        x = g.Flatten(x);
        x = g.Relu(g.Linear(fc1, x));
        return g.Linear(fc2, x);
    }
}
