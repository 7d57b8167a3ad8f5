using TorchSharp;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>TorchSharp's native library must load on this Debian 12 machine (see build/TorchSharpGlibcxxFix.targets).</summary>
public class TorchSharpLoadsTests
{
    [Test]
    public void SmallNetwork_ForwardAndBackward_ProducesGradients()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1));
        var x = randn(16, 3);
        var y = x.sum(1, keepdim: true);
        var loss = nn.functional.mse_loss(net.call(x), y);
        loss.backward();
        var grad = net.parameters().First().grad!;
        Assert.That(grad.shape, Is.EqualTo(new long[] { 8, 3 }));
        Assert.That(grad.abs().sum().item<float>(), Is.GreaterThan(0f));
        Assert.That(float.IsFinite(loss.item<float>()), Is.True);
    }
}
