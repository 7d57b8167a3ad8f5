using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Data;

/// <summary>
/// Turns lazily read rows into an ML.NET <see cref="IDataView"/> that streams: every cursor enumerates the rows anew,
/// nothing is held in memory, and no image is decoded (the rows hold paths; a later LoadImages decodes).
/// </summary>
/// <remarks>
/// The schema gives the vector columns fixed sizes (<c>Box</c>: 4, <c>Label</c>: 2K), which reflection over
/// <c>float[]</c> cannot know, so downstream transforms see <c>Vector&lt;Single, 116&gt;</c> rather than a
/// variable-length vector. A dataset without keypoints has no <c>Label</c> column at all, so a pipeline that
/// needs labels fails at once naming the missing column instead of training on empty vectors.
/// </remarks>
public static class KeypointDataViews
{
    private static readonly string[] ColumnOrder =
    [
        KeypointColumns.ImagePath, KeypointColumns.Width, KeypointColumns.Height, KeypointColumns.Box,
        KeypointColumns.Label, KeypointColumns.Person, KeypointColumns.View, KeypointColumns.Gender,
    ];

    /// <summary>The schema for rows of type <typeparamref name="T"/> with <paramref name="keypointCount"/> keypoints (0: no Label column).</summary>
    public static SchemaDefinition CreateSchema<T>(int keypointCount) where T : KeypointSample
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keypointCount);
        var schema = SchemaDefinition.Create(typeof(T), SchemaDefinition.Direction.Read);
        schema[KeypointColumns.Box].ColumnType = new VectorDataViewType(NumberDataViewType.Single, KeypointSample.BoxLength);
        // The record's Keypoints are the dataset's labels: the column is Label, so predictions (Keypoints) never meet it.
        var labels = schema[nameof(KeypointSample.Keypoints)];
        labels.ColumnName = KeypointColumns.Label;
        if (keypointCount > 0)
            labels.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2 * keypointCount);
        else
            schema.Remove(labels);
        schema.Sort((a, b) => Rank(a.ColumnName).CompareTo(Rank(b.ColumnName)));
        return schema;
    }

    /// <summary>A streaming view over <paramref name="rows"/>, which must be re-enumerable (each cursor enumerates it again).</summary>
    public static IDataView Create<T>(MLContext mlContext, IEnumerable<T> rows, int keypointCount) where T : KeypointSample
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(rows);
        return mlContext.Data.LoadFromEnumerable(rows, CreateSchema<T>(keypointCount));
    }

    /// <summary>The values of a float vector column, row by row (for small views: scored faces, tests).</summary>
    public static List<float[]> ReadFloatVectors(IDataView data, string column)
    {
        var col = data.Schema[column];
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }
        return rows;
    }

    private static int Rank(string column)
    {
        int index = Array.IndexOf(ColumnOrder, column);
        return index < 0 ? ColumnOrder.Length : index;
    }
}
