using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>How the faces of a recipe are cropped and which keypoints it learns.</summary>
/// <param name="UseBox">Crop around the dataset's face box (else the whole image is the crop).</param>
/// <param name="CropScale">Box scale around its centre (ignored without a box).</param>
/// <param name="CropSquare">Widen the crop to a square.</param>
/// <param name="KeypointIndices">The keypoints to learn, by index; null = all.</param>
public sealed record FaceCropSpec(bool UseBox, float CropScale, bool CropSquare, IReadOnlyList<int>? KeypointIndices = null)
{
    /// <summary>The learned keypoints of one face (pixels), in the order of <see cref="KeypointIndices"/>.</summary>
    public float[] Select(float[] keypoints)
    {
        if (KeypointIndices is null) return keypoints;
        var r = new float[KeypointIndices.Count * 2];
        for (int i = 0; i < KeypointIndices.Count; i++)
        {
            r[2 * i] = keypoints[2 * KeypointIndices[i]];
            r[2 * i + 1] = keypoints[2 * KeypointIndices[i] + 1];
        }
        return r;
    }
}

/// <summary>
/// Turns dataset rows into a <see cref="TensorDataset"/> through the library's ML.NET preprocessing, the same definition
/// inference uses: LoadImages -> <see cref="KeypointCatalog.CropToFaceBox(TransformsCatalog, FaceBoxCropOptions)"/> ->
/// <see cref="KeypointCatalog.NormalizeGrayscale"/>. The pipeline runs once; its pixel vectors and crop geometries are
/// read into an in-memory tensor cache, and the targets are the keypoints mapped by that same crop geometry.
/// </summary>
public static class FaceTensorLoader
{
    private sealed class PixelRow
    {
        public string ImagePath { get; set; } = "";
        public float[] Pixels { get; set; } = [];
        public float[] CropGeometry { get; set; } = [];
    }

    public static TensorDataset Load(MLContext ml, IReadOnlyList<KeypointSample> samples, int height, int width, FaceCropSpec crop)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces.");
        int k = samples[0].KeypointCount;
        if (k == 0) throw new ArgumentException($"{samples[0].ImagePath}: the dataset has no keypoints to train on.");
        var data = KeypointDataViews.Create(ml, samples, k);
        var pipeline = ml.Transforms.LoadImages(KeypointDefaults.ImageColumn, null, KeypointColumns.ImagePath)
            .Append(ml.Transforms.CropToFaceBox(new FaceBoxCropOptions
            {
                ImageColumnName = KeypointDefaults.ImageColumn,
                BoxColumnName = crop.UseBox ? KeypointColumns.Box : null,
                Scale = crop.CropScale,
                Square = crop.CropSquare,
            }))
            .Append(ml.Transforms.NormalizeGrayscale(KeypointDefaults.PixelsColumn, KeypointDefaults.CroppedImageColumn, height, width));
        var transformed = pipeline.Fit(data).Transform(data);

        var pixels = new float[samples.Count * height * width];
        var targets = new List<float>();
        var faces = new List<FaceRecord>(samples.Count);
        int n = 0;
        using (var cursor = transformed.GetRowCursor(transformed.Schema.Where(c => c.Name is KeypointDefaults.PixelsColumn or KeypointDefaults.CropGeometryColumn)))
        {
            var getPixels = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointDefaults.PixelsColumn]);
            var getGeometry = cursor.GetGetter<VBuffer<float>>(transformed.Schema[KeypointDefaults.CropGeometryColumn]);
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
                var keypoints = crop.Select(samples[n].Keypoints);
                targets.AddRange(geometry.KeypointsToNormalized(keypoints));
                faces.Add(new FaceRecord(samples[n].ImagePath, geometry, keypoints));
                n++;
            }
        }
        if (n != samples.Count) throw new InvalidOperationException($"The preprocessing produced {n} rows for {samples.Count} faces.");
        int d = targets.Count / n;
        return new TensorDataset(tensor(pixels).reshape(n, 1, height, width), tensor(targets.ToArray()).reshape(n, d), faces);
    }
}
