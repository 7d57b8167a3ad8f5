using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>An always-empty <see cref="KeypointColumns.Error"/> column for the persistable form of a chain that marks bad
/// rows: its steps throw on a bad row instead, so a loaded pipeline has the same columns as the one that was saved.</summary>
internal static class NoErrorColumn
{
    public static IEstimator<ITransformer> Estimator(TransformsCatalog catalog, string column) =>
        catalog.CustomMapping(Factory.Mapping, Factory.ContractName)
            .Append(catalog.CopyColumns(column, ErrorRow.ColumnName))
            .Append(catalog.DropColumns(ErrorRow.ColumnName));

    internal sealed class ErrorRow
    {
        internal const string ColumnName = "__keypointml_no_error";
        [Microsoft.ML.Data.ColumnName(ColumnName)] public string Error { get; set; } = "";
    }

    /// <summary>Persistence factory (found by contract name when a model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class Factory : CustomMappingFactory<PersistedParameters.NoInput, ErrorRow>
    {
        public const string ContractName = "KeypointML.NoError";
        public static readonly Action<PersistedParameters.NoInput, ErrorRow> Mapping = static (_, output) => output.Error = "";
        public override Action<PersistedParameters.NoInput, ErrorRow> GetMapping() => Mapping;
    }
}
