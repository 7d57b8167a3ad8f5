using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>Builds the SchemaShape an estimator promises, without running its inner chain's schema propagation.</summary>
/// <remarks>
/// Why: CustomMappingEstimator.GetOutputSchema compares item types by reference, so an image column made by LoadImages
/// never matches the MLImage type of a CustomMapping row class, although the fitted transformer accepts it. And
/// <see cref="SchemaShape.Column"/> has no public constructor, so added columns are taken from template estimators.
/// </remarks>
internal static class OutputShapes
{
    /// <summary>A float vector column named <paramref name="name"/> of <paramref name="size"/> values (0 = any size).</summary>
    public static SchemaShape.Column FloatVector(TransformsCatalog catalog, string name, int size)
    {
        var definition = SchemaDefinition.Create(typeof(FloatVectorRow));
        definition[0].ColumnName = name;
        definition[0].ColumnType = size > 0 ? new VectorDataViewType(NumberDataViewType.Single, size) : new VectorDataViewType(NumberDataViewType.Single);
        var template = catalog.CustomMapping<PersistedParameters.NoInput, FloatVectorRow>(static (_, _) => { }, null, null, definition);
        return template.GetOutputSchema(new SchemaShape([])).Single(c => c.Name == name);
    }

    /// <summary>Column <paramref name="source"/> of <paramref name="input"/> under the name <paramref name="name"/>.</summary>
    public static SchemaShape.Column Copy(TransformsCatalog catalog, SchemaShape input, string source, string name) =>
        catalog.CopyColumns(name, source).GetOutputSchema(input).Single(c => c.Name == name);

    /// <summary><paramref name="input"/> with <paramref name="added"/> appended (replacing columns of the same name).</summary>
    public static SchemaShape With(SchemaShape input, params SchemaShape.Column[] added) =>
        new(input.Where(c => added.All(a => a.Name != c.Name)).Concat(added));

    /// <summary>Row class of the float vector template.</summary>
    internal sealed class FloatVectorRow
    {
        public float[] Values { get; set; } = [];
    }
}
