using TorchSharp;

namespace KeypointML.Training.Models;

/// <summary>
/// Puts a module in eval mode (no dropout, batch-norm running statistics) with gradients off for a <c>using</c> block,
/// and restores its training mode and the gradient setting afterwards: <c>using (EvalMode.Of(net)) { ... }</c>.
/// </summary>
public sealed class EvalMode : IDisposable
{
    private readonly torch.nn.Module _module;
    private readonly bool _wasTraining;
    private readonly IDisposable _noGrad;

    private EvalMode(torch.nn.Module module)
    {
        _module = module;
        _wasTraining = module.training;
        module.eval();
        _noGrad = torch.no_grad();
    }

    /// <summary>Eval mode and no gradients for <paramref name="module"/> until disposed.</summary>
    public static EvalMode Of(torch.nn.Module module) => new(module);

    /// <summary>Restores the gradient setting and, if the module was training, training mode.</summary>
    public void Dispose()
    {
        _noGrad.Dispose();
        if (_wasTraining) _module.train();
    }
}
