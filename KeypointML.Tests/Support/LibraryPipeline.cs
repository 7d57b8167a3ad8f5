using KeypointML.Data;
using KeypointML.Evaluation;
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

    /// <summary>
    /// Scores the first <paramref name="faces"/> 300-W test faces with <paramref name="model"/> through DetectKeypoints,
    /// asserts the NME is below <paramref name="maxNme"/>, then saves the fitted pipeline, loads it again and asserts the
    /// loaded one gives the same mean pixel error (a saved pipeline scores through ML.NET's OnnxTransformer).
    /// </summary>
    public static void AssertScoresAndSaves(string model, string folder, int faces, double maxNme)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Data, faces);
        using var fitted = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { ModelPath = model, BoxColumnName = "Box" }).Fit(data);
        var metrics = ml.EvaluateKeypoints(fitted.Transform(data));
        Assert.That(metrics.Count, Is.EqualTo(faces));
        Assert.That(metrics.NmeInterOcular, Is.LessThan(maxNme));
        var zip = Path.Combine(folder, "pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        var loaded = ml.Model.Load(zip, out _);
        try { Assert.That(ml.EvaluateKeypoints(loaded.Transform(data)).MeanPixelError, Is.EqualTo(metrics.MeanPixelError).Within(1e-3)); }
        finally { (loaded as IDisposable)?.Dispose(); }
    }

    /// <summary><paramref name="fitted"/> saved to a zip in a temporary folder, loaded by a fresh context with the KeypointML
    /// components registered, and run on <paramref name="data"/>: column <paramref name="column"/> of the loaded pipeline.</summary>
    public static List<T> ColumnAfterSaveAndLoad<T>(MLContext ml, ITransformer fitted, IDataView data, string column)
    {
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        var loadContext = new MLContext(0);
        loadContext.RegisterKeypointComponents();
        var loaded = loadContext.Model.Load(zip, out _);
        try { return [.. loaded.Transform(data).GetColumn<T>(column)]; }
        finally { (loaded as IDisposable)?.Dispose(); }
    }

    /// <summary>The values of a float vector column, row by row.</summary>
    public static List<float[]> Column(IDataView data, string name) => KeypointDataViews.ReadFloatVectors(data, name);
}
