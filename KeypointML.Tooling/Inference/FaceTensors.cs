using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Preprocessing;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// Faces as a model's input tensors, through the library's one preprocessing definition (<see cref="FacePreprocessing"/>:
/// load -> crop around the row's box -> grey, resize, normalize, the steps <c>DetectKeypoints</c> runs): what the training
/// loader caches and what int8 calibration feeds the network.
/// </summary>
public static class FaceTensors
{
    private static readonly FacePreprocessingColumns Columns = new(KeypointColumns.ImagePath, KeypointColumns.Box, KeypointColumns.Image,
        KeypointColumns.ImageSize, KeypointColumns.CroppedImage, KeypointColumns.CropGeometry, KeypointColumns.Pixels);

    /// <summary>Each face's pixels (<c>InputHeight x InputWidth</c>, row-major, one after another in
    /// <see cref="FacePixels.Pixels"/>) and its crop, in the order of <paramref name="samples"/>.</summary>
    public static FacePixels Read(MLContext ml, IReadOnlyList<KeypointSample> samples, FacePreprocessing preprocessing)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces.");
        int length = preprocessing.InputLength;
        var data = KeypointDataViews.Create(ml, samples, samples[0].KeypointCount);
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        foreach (var step in preprocessing.Steps(ml.Transforms, Columns)) pipeline = pipeline.Append(step);
        var transformed = pipeline.Fit(data).Transform(data);

        var pixels = new float[samples.Count * length];
        var crops = new List<CropGeometry>(samples.Count);
        using (var cursor = transformed.GetRowCursor(transformed.Schema.Where(c => c.Name is KeypointColumns.Pixels or KeypointColumns.CropGeometry)))
        {
            var getPixels = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointColumns.Pixels]);
            var getGeometry = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointColumns.CropGeometry]);
            VBuffer<float> px = default, geo = default;
            while (cursor.MoveNext())
            {
                int n = crops.Count;
                if (n >= samples.Count) throw new InvalidOperationException("The preprocessing produced more rows than the dataset has.");
                getPixels(ref px);
                getGeometry(ref geo);
                var values = px.DenseValues().ToArray();
                if (values.Length != length) throw new InvalidDataException($"{samples[n].ImagePath}: preprocessing gave {values.Length} pixels; expected {length}.");
                values.CopyTo(pixels, n * length);
                crops.Add(CropGeometry.FromVector(geo.DenseValues().ToArray()));
            }
        }
        if (crops.Count != samples.Count) throw new InvalidOperationException($"The preprocessing produced {crops.Count} rows for {samples.Count} faces.");
        return new FacePixels(pixels, length, crops);
    }

    /// <summary><paramref name="count"/> faces of <paramref name="dataSpec"/> spread evenly over it (every n-th; null: all),
    /// each as one input tensor of the model that <paramref name="preprocessing"/> describes.</summary>
    public static IReadOnlyList<float[]> Sample(MLContext ml, string dataSpec, FacePreprocessing preprocessing, int? count = null)
    {
        var rows = KeypointDatasets.Load(ml, dataSpec).Rows.ToList();
        if (rows.Count == 0) throw new ArgumentException($"{dataSpec}: no faces.");
        if (count is < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Take at least one face.");
        int take = Math.Min(count ?? rows.Count, rows.Count), step = rows.Count / take;
        var chosen = rows.Where((_, i) => i % step == 0).Take(take).ToList();
        var faces = Read(ml, chosen, preprocessing);
        return [.. Enumerable.Range(0, chosen.Count).Select(i => faces.Pixels.AsSpan(i * faces.Length, faces.Length).ToArray())];
    }
}

/// <summary>Faces' input tensors, <see cref="Length"/> values each, one after another, and their crops.</summary>
public sealed record FacePixels(float[] Pixels, int Length, IReadOnlyList<CropGeometry> Crops);
