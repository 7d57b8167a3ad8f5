using KeypointML.Data;
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
    public static List<float[]> Column(IDataView data, string name) => KeypointDataViews.ReadFloatVectors(data, name);
}
