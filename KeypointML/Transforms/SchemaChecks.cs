using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KeypointML.Transforms;

/// <summary>Up-front checks of input columns, shared by estimators (SchemaShape) and transformers (DataViewSchema).</summary>
internal static class SchemaChecks
{
    public static void CheckImage(DataViewSchema schema, string column, string component)
    {
        var col = Find(schema, column, component, "an image (ImageDataViewType, as LoadImages gives)");
        if (col.Type is not ImageDataViewType)
            throw Wrong(component, column, "an image (ImageDataViewType, as LoadImages gives)", col.Type.ToString()!);
    }

    public static void CheckImage(SchemaShape shape, string column, string component)
    {
        var col = Find(shape, column, component, "an image (ImageDataViewType, as LoadImages gives)");
        if (col.ItemType is not ImageDataViewType || col.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw Wrong(component, column, "an image (ImageDataViewType, as LoadImages gives)", Describe(col));
    }

    /// <summary>A float vector; <paramref name="size"/> &gt; 0 demands that size when the column's size is known.</summary>
    public static void CheckFloatVector(DataViewSchema schema, string column, string component, int size, string meaning)
    {
        string expected = Expected(size, meaning);
        var col = Find(schema, column, component, expected);
        if (col.Type is not VectorDataViewType vt || vt.ItemType != NumberDataViewType.Single)
            throw Wrong(component, column, expected, col.Type.ToString()!);
        if (size > 0 && vt.Size != 0 && vt.Size != size)
            throw Wrong(component, column, expected, col.Type.ToString()!);
    }

    public static void CheckFloatVector(SchemaShape shape, string column, string component, int size, string meaning)
    {
        string expected = Expected(size, meaning);
        var col = Find(shape, column, component, expected);
        if (col.ItemType != NumberDataViewType.Single || col.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw Wrong(component, column, expected, Describe(col));
    }

    public static void CheckText(DataViewSchema schema, string column, string component, string meaning)
    {
        var col = Find(schema, column, component, $"text ({meaning})");
        if (col.Type is not TextDataViewType) throw Wrong(component, column, $"text ({meaning})", col.Type.ToString()!);
    }

    public static void CheckText(SchemaShape shape, string column, string component, string meaning)
    {
        var col = Find(shape, column, component, $"text ({meaning})");
        if (col.ItemType is not TextDataViewType || col.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw Wrong(component, column, $"text ({meaning})", Describe(col));
    }

    private static string Expected(int size, string meaning) =>
        size > 0 ? $"a vector of {size} Single ({meaning})" : $"a vector of Single ({meaning})";

    private static DataViewSchema.Column Find(DataViewSchema schema, string column, string component, string expected) =>
        schema.GetColumnOrNull(column) ?? throw Missing(component, column, expected);

    private static SchemaShape.Column Find(SchemaShape shape, string column, string component, string expected) =>
        
        shape.Where(c => c.Name == column).Select(c => (SchemaShape.Column?)c).LastOrDefault() ?? throw Missing(component, column, expected);

    private static ArgumentOutOfRangeException Missing(string component, string column, string expected) =>
        new(nameof(column), $"{component}: input column '{column}' not found; expected {expected}.");

    private static ArgumentException Wrong(string component, string column, string expected, string? actual) =>
        new($"{component}: input column '{column}' has type {actual}; expected {expected}.");

    private static string Describe(SchemaShape.Column col) => col.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => col.ItemType.ToString() ?? "?",
        _ => $"Vector<{col.ItemType}>",
    };
}
