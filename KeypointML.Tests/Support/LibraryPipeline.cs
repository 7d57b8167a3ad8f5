using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Data;

/// <summary>The reference the verbs are checked against: the library's components used directly, as docs/mlnet-components.md shows.</summary>
internal static class LibraryPipeline
{
    /// <summary>DetectKeypoints over <paramref name="data"/> (box column <paramref name="box"/>, null = whole image); a
    /// labelled dataset keeps its points in <c>Label</c> beside the predicted <c>Keypoints</c>.</summary>
    public static IDataView Score(MLContext ml, string model, IDataView data, string? box = "Box") =>
        ml.Transforms.DetectKeypoints(model, boxColumnName: box).Fit(data).Transform(data);

    /// <summary>The values of a float vector column, row by row.</summary>
    public static List<float[]> Column(IDataView data, string name)
    {
        var column = data.Schema[name];
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }
        return rows;
    }
}
