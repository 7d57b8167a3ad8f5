using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>
/// Base of every KeypointML transformer: it checks the input schema itself (so errors name the column and the expected
/// type) and then delegates to a chain of public ML.NET transformers (CustomMapping, ValueMapping, ColumnCopying,
/// ImageAnalytics, OnnxTransformer).
/// </summary>
/// <remarks>
/// Why a chain: ML.NET's transform base classes and its model writer/loader registration are internal, so a component
/// outside ML.NET can only be persisted through public routes. <see cref="ICanSaveModel.Save"/> therefore writes the
/// inner chain; <c>mlContext.Model.Load</c> gives that chain back (a <see cref="TransformerChain{T}"/> of ML.NET
/// transformers plus KeypointML's registered CustomMapping factories), which produces the same columns and values.
/// Loading needs <see cref="KeypointMLContextExtensions.RegisterKeypointComponents"/> (or
/// <c>ComponentCatalog.RegisterAssembly</c> on this assembly) on the loading MLContext.
/// </remarks>
public abstract class ComposedTransformer : ITransformer, IDisposable
{
    private readonly ITransformer _inner;

    private protected ComposedTransformer(ITransformer inner) => _inner = inner;

    /// <summary>Throws when <paramref name="inputSchema"/> lacks a column this transformer reads, or has it with the wrong type.</summary>
    private protected abstract void CheckInputSchema(DataViewSchema inputSchema);

    /// <inheritdoc />
    public bool IsRowToRowMapper => _inner.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInputSchema(inputSchema);
        return _inner.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInputSchema(inputSchema);
        return Mapper(_inner.GetRowToRowMapper(inputSchema));
    }

    /// <summary>The per-row mapper <see cref="GetRowToRowMapper"/> returns (PredictionEngine's path); by default the inner chain's.</summary>
    private protected virtual IRowToRowMapper Mapper(IRowToRowMapper inner) => inner;

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        CheckInputSchema(input.Schema);
        return Transform(input, _inner);
    }

    /// <summary>The data view <see cref="Transform(IDataView)"/> returns once the schema is checked; by default the inner
    /// chain's (a component may serve the same columns and values faster, as the batched scorer does).</summary>
    private protected virtual IDataView Transform(IDataView input, ITransformer inner) => inner.Transform(input);

    /// <summary>Disposes the inner chain (ONNX Runtime sessions are freed at once rather than at finalization).</summary>
    public virtual void Dispose()
    {
        (_inner as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The chain <c>mlContext.Model.Save</c> writes; by default the inner chain. A component whose inner chain
    /// cannot be persisted (the scorer runs its shared session) builds a persistable equivalent here.</summary>
    private protected virtual ITransformer ForSaving() => _inner;

    /// <summary>Saves the chain of public transformers (see the remarks on the class).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ForSaving().Save(ctx);
}
