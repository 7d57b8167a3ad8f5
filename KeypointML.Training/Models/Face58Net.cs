using KeypointML.Training.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KeypointML.Training.Models;

/// <summary>
/// The seed's Part 2 network: input 1x120x160; [conv 5x5 -> ReLU] -> [conv 5x5 -> ReLU -> pool] -> [conv 3x3 -> ReLU -> pool]
/// x 2 -> dropout -> FC -> ReLU -> FC -> ReLU -> FC (2K = 116 outputs for the 58 IMM points).
/// </summary>
public sealed class Face58Net : KeypointNet
{
    public const int Height = 120, Width = 160;

    private readonly Conv2d conv1, conv2, conv3, conv4;
    private readonly MaxPool2d pool;
    private readonly ReLU relu;
    private readonly Dropout dropout;
    private readonly Linear fc1, fc2, fc3;

    public Face58Net(int keypointCount = 58, int c1 = 16, int c2 = 32, int c3 = 64, int c4 = 64, int hidden = 256, double dropoutP = 0.3)
        : base(nameof(Face58Net), Height, Width, keypointCount)
    {
        conv1 = Conv2d(1, c1, 5, padding: 2);
        conv2 = Conv2d(c1, c2, 5, padding: 2);
        conv3 = Conv2d(c2, c3, 3, padding: 1);
        conv4 = Conv2d(c3, c4, 3, padding: 1);
        pool = MaxPool2d(2);
        relu = ReLU();
        dropout = Dropout(dropoutP);
        // 120x160 -> 60x80 -> 30x40 -> 15x20
        fc1 = Linear(c4 * (Height / 8) * (Width / 8), hidden);
        fc2 = Linear(hidden, hidden);
        fc3 = Linear(hidden, 2 * keypointCount);
        RegisterComponents();
    }

    /// <summary>
    /// The seed's "normal bias": sets the last layer's bias to the mean training shape (normalized coordinates), so an
    /// untrained network already predicts the average face and training learns the deviations from it.
    /// </summary>
    public void InitializeOutputBias(ReadOnlySpan<float> meanShape)
    {
        if (meanShape.Length != fc3.out_features)
            throw new ArgumentException($"The mean shape has {meanShape.Length} values; the output layer has {fc3.out_features}.");
        using var _ = no_grad();
        fc3.bias!.copy_(tensor(meanShape.ToArray()));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = relu.call(conv1.call(x));
        x = pool.call(relu.call(conv2.call(x)));
        x = pool.call(relu.call(conv3.call(x)));
        x = pool.call(relu.call(conv4.call(x)));
        x = dropout.call(x.flatten(1));
        x = relu.call(fc1.call(x));
        x = relu.call(fc2.call(x));
        return fc3.call(x).MoveToOuterDisposeScope();
    }

    public override string BuildOnnx(OnnxGraphBuilder g, string x)
    {
        x = g.Relu(g.Conv(conv1, x));
        x = g.MaxPool(pool, g.Relu(g.Conv(conv2, x)));
        x = g.MaxPool(pool, g.Relu(g.Conv(conv3, x)));
        x = g.MaxPool(pool, g.Relu(g.Conv(conv4, x)));
        x = g.Dropout(dropout, g.Flatten(x));
        x = g.Relu(g.Linear(fc1, x));
        x = g.Relu(g.Linear(fc2, x));
        return g.Linear(fc3, x);
    }
}
