using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Preprocessing;
using KeypointML.Tooling.Inference;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>
/// Turns dataset rows into a <see cref="TensorDataset"/> through the library's preprocessing definition
/// (<see cref="FacePreprocessing"/>: load -> crop around the dataset's box -> grey, resize, normalize), the steps
/// <c>DetectKeypoints</c> runs at inference. The pipeline runs once; its pixel vectors and crop geometries are read into
/// an in-memory tensor cache, and the targets are the learned keypoints mapped by that same crop geometry.
/// </summary>
public static class FaceTensorLoader
{
    private static readonly FacePreprocessingColumns Columns = new(KeypointColumns.ImagePath, KeypointColumns.Box, KeypointColumns.Image,
        KeypointColumns.ImageSize, KeypointColumns.CroppedImage, KeypointColumns.CropGeometry, KeypointColumns.Pixels);

    /// <param name="keypointIndices">The dataset points the model learns, in order (null = all).</param>
    public static TensorDataset Load(MLContext ml, IReadOnlyList<KeypointSample> samples, FacePreprocessing preprocessing, int[]? keypointIndices = null)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces.");
        int k = samples[0].KeypointCount;
        if (k == 0) throw new ArgumentException($"{samples[0].ImagePath}: the dataset has no keypoints to train on.");
        int height = preprocessing.InputHeight, width = preprocessing.InputWidth;
        var data = KeypointDataViews.Create(ml, samples, k);
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        foreach (var step in preprocessing.Steps(ml.Transforms, Columns)) pipeline = pipeline.Append(step);
        var transformed = pipeline.Fit(data).Transform(data);

        var pixels = new float[samples.Count * height * width];
        var targets = new List<float>();
        var faces = new List<FaceRecord>(samples.Count);
        int n = 0;
        using (var cursor = transformed.GetRowCursor(transformed.Schema.Where(c => c.Name is KeypointColumns.Pixels or KeypointColumns.CropGeometry)))
        {
            var getPixels = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointColumns.Pixels]);
            var getGeometry = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointColumns.CropGeometry]);
            VBuffer<float> px = default, geo = default;
            while (cursor.MoveNext())
            {
                if (n >= samples.Count) throw new InvalidOperationException("The preprocessing produced more rows than the dataset has.");
                getPixels(ref px);
                getGeometry(ref geo);
                var values = px.DenseValues().ToArray();
                if (values.Length != height * width) throw new InvalidDataException($"{samples[n].ImagePath}: preprocessing gave {values.Length} pixels; expected {height * width}.");
                values.CopyTo(pixels, n * height * width);
                var geometry = CropGeometry.FromVector(geo.DenseValues().ToArray());
                var learned = LearnedKeypoints.Select(samples[n].Keypoints, keypointIndices);
                targets.AddRange(geometry.KeypointsToNormalized(learned));
                faces.Add(new FaceRecord(samples[n].ImagePath, geometry, learned));
                n++;
            }
        }
        if (n != samples.Count) throw new InvalidOperationException($"The preprocessing produced {n} rows for {samples.Count} faces.");
        int d = targets.Count / n;
        return new TensorDataset(tensor(pixels).reshape(n, 1, height, width), tensor(targets.ToArray()).reshape(n, d), faces);
    }
}
