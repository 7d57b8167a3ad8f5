using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>
/// The public ML.NET estimators a KeypointML component is made of, fitted one after the other.
/// </summary>
/// <remarks>
/// Not an EstimatorChain: its Fit propagates SchemaShapes first, and CustomMappingEstimator.GetOutputSchema rejects
/// image columns made elsewhere (it compares item types by reference). Fitting step by step on the data itself uses
/// the transformers' own checks, which compare types by value. The owning estimator declares its output shape itself
/// (<see cref="OutputShapes"/>).
/// </remarks>
internal sealed class InnerChain
{
    private readonly List<IEstimator<ITransformer>> _steps = [];

    public InnerChain Then(IEstimator<ITransformer> step)
    {
        _steps.Add(step);
        return this;
    }

    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        var fitted = new ITransformer[_steps.Count];
        var data = input;
        for (int i = 0; i < _steps.Count; i++)
        {
            fitted[i] = _steps[i].Fit(data);
            data = fitted[i].Transform(data);
        }
        return new TransformerChain<ITransformer>(fitted);
    }
}
