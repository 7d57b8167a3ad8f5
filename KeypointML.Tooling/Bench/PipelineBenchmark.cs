using System.Diagnostics;
using System.Globalization;
using KeypointML.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tooling.Bench;

/// <summary>Speed of the whole detection pipeline (image file -> keypoints in pixels) on real faces.</summary>
/// <param name="SingleSeconds">Best time for all faces through a PredictionEngine, one face per call.</param>
/// <param name="BatchSeconds">Best time for all faces through Transform over an IDataView and a cursor.</param>
public sealed record PipelineThroughput(string Model, string Data, int Faces, double SingleSeconds, double BatchSeconds)
{
    public double SingleFacesPerSecond => Faces / SingleSeconds;
    public double BatchFacesPerSecond => Faces / BatchSeconds;
    public double SingleMsPerFace => 1000 * SingleSeconds / Faces;
    public double BatchMsPerFace => 1000 * BatchSeconds / Faces;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ML.NET DetectKeypoints on {Faces} faces of {Data} (load, crop, normalize, score, decode):\n" +
        $"  single image (PredictionEngine): {SingleFacesPerSecond,8:F1} faces/s  {SingleMsPerFace,7:F2} ms/face\n" +
        $"  batched (Transform, IDataView)  : {BatchFacesPerSecond,8:F1} faces/s  {BatchMsPerFace,7:F2} ms/face");
}

/// <summary>
/// Times <c>DetectKeypoints</c> end to end on real images with their dataset boxes, as an application would run it:
/// image decoding and cropping are part of the figure, which is what a user of the pipeline pays per face.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>
    /// Runs <paramref name="faces"/> faces (the dataset's first ones, repeated in order when it has fewer) through both
    /// paths once to warm up, then <paramref name="repeats"/> times, keeping the best (least disturbed) time of each.
    /// </summary>
    public static PipelineThroughput Run(string modelPath, IReadOnlyList<KeypointSample> dataset, string dataName, int faces = 128, int repeats = 3)
    {
        if (faces < 1) throw new ArgumentException($"the number of faces to time must be at least 1; got {faces}.");
        if (repeats < 1) throw new ArgumentException($"--repeats must be at least 1; got {repeats}.");
        if (dataset.Count == 0) throw new ArgumentException($"dataset '{dataName}' has no faces to time.");
        var rows = Enumerable.Range(0, faces).Select(i => new FaceRow { ImagePath = dataset[i % dataset.Count].ImagePath, Box = dataset[i % dataset.Count].Box }).ToArray();
        var ml = new MLContext(seed: 0);
        var view = ml.Data.LoadFromEnumerable(rows);
        var detector = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { ModelPath = modelPath, BoxColumnName = KeypointColumns.Box }).Fit(view);
        using var engine = ml.Model.CreatePredictionEngine<FaceRow, KeypointsRow>(detector);

        double Batch() => Time(() =>
        {
            var scored = detector.Transform(view);
            var column = scored.Schema[KeypointColumns.Keypoints];
            using var cursor = scored.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> value = default;
            while (cursor.MoveNext()) getter(ref value);
        });
        double Single() => Time(() => { foreach (var row in rows) engine.Predict(row); });

        Batch(); Single();
        double batch = double.MaxValue, single = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            batch = Math.Min(batch, Batch());
            single = Math.Min(single, Single());
        }
        return new PipelineThroughput(Path.GetFileName(modelPath), dataName, faces, single, batch);
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Input row: what DetectKeypoints reads.</summary>
    public sealed class FaceRow
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }

    /// <summary>Output row: the predicted keypoints.</summary>
    public sealed class KeypointsRow
    {
        public float[] Keypoints { get; set; } = [];
    }
}
