using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>
/// Carries a component's numeric options (crop scale, heatmap size, ...) through <c>mlContext.Model.Save/Load</c>.
/// </summary>
/// <remarks>
/// A CustomMapping persists only its contract name, not the state of the mapping, so options cannot live in the mapping.
/// Instead the chain gets two extra steps: a parameterless CustomMapping that writes the constant key 0 into a temporary
/// column, and a ValueMapping (which ML.NET persists with its table) that maps that key to the option vector. The
/// component's mapping then reads its options from that column on every row, so the saved file holds them.
/// </remarks>
internal static class PersistedParameters
{
    /// <summary>Temporary column holding the constant key.</summary>
    public const string KeyColumn = "__keypointml_parameter_key";

    /// <summary>Appends the steps that put <paramref name="values"/> into column <paramref name="outputColumn"/>.</summary>
    public static IEstimator<ITransformer> Column(TransformsCatalog catalog, string outputColumn, float[] values) =>
        catalog.CustomMapping(ParameterKeyFactory.Mapping, ParameterKeyFactory.ContractName)
            .Append(catalog.Conversion.MapValue(outputColumn, [new KeyValuePair<float, float[]>(0f, values)], KeyColumn));

    /// <summary>Rows of the key mapping: it reads no column.</summary>
    internal sealed class NoInput;

    /// <summary>The constant key column.</summary>
    internal sealed class KeyOutput
    {
        [ColumnName(KeyColumn)] public float Key { get; set; }
    }

    /// <summary>Persistence factory of the key mapping (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class ParameterKeyFactory : CustomMappingFactory<NoInput, KeyOutput>
    {
        public const string ContractName = "KeypointML.ParameterKey";
        public static readonly Action<NoInput, KeyOutput> Mapping = static (_, output) => output.Key = 0f;
        public override Action<NoInput, KeyOutput> GetMapping() => Mapping;
    }
}
