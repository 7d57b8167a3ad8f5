using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Models;
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

    /// <summary>
    /// The crops a model's metadata asks for, as <c>DetectKeypoints</c> makes them when evaluate, predict and report run
    /// it: around the dataset's face box, scaled by <see cref="KeypointModelMetadata.CropScale"/> and squared per
    /// <see cref="KeypointModelMetadata.CropSquare"/>. Datasets without boxes (IMM, image folders) carry the whole image
    /// as the box, and whole-image models record scale 1, not square, so their crop is the whole image, as in training.
    /// </summary>
    public static FaceCropSpec OfModel(KeypointModelMetadata model, IReadOnlyList<int>? keypointIndices) =>
        new(UseBox: true, model.CropScale, model.CropSquare, keypointIndices);

    /// <summary>The crop of one face, by the rule <c>CropToFaceBox</c> applies (the whole image when
    /// <see cref="UseBox"/> is false; sizes from the image header, which the readers record).</summary>
    public CropGeometry GeometryOf(KeypointSample sample) => UseBox
        ? CropGeometry.AroundBox(sample.Box[0], sample.Box[1], sample.Box[2], sample.Box[3], CropScale, CropSquare)
        : CropGeometry.WholeImage(sample.Width, sample.Height);

    /// <summary>The training target of one face: its learned keypoints in normalized coordinates of <paramref name="crop"/>.</summary>
    public float[] Target(KeypointSample sample, CropGeometry crop) => crop.KeypointsToNormalized(Select(sample.Keypoints));

    /// <summary>
    /// The mean shape: the mean over <paramref name="samples"/> of <see cref="Target"/> in their crops
    /// (<see cref="GeometryOf"/>), which is <see cref="TensorDataset.MeanTarget"/> of the same faces loaded by
    /// <see cref="FaceTensorLoader"/>, without decoding an image. Summed in double, so it may differ from the tensor mean
    /// (float) in the last bit.
    /// </summary>
    public float[] MeanShape(IReadOnlyCollection<KeypointSample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces to average.");
        double[]? sum = null;
        foreach (var sample in samples)
        {
            var target = Target(sample, GeometryOf(sample));
            sum ??= new double[target.Length];
            if (target.Length != sum.Length) throw new InvalidDataException($"{sample.ImagePath}: {target.Length / 2} keypoints; earlier faces have {sum.Length / 2}.");
            for (int i = 0; i < target.Length; i++) sum[i] += target[i];
        }
        return sum!.Select(v => (float)(v / samples.Count)).ToArray();
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
                targets.AddRange(crop.Target(samples[n], geometry));
                faces.Add(new FaceRecord(samples[n].ImagePath, geometry, crop.Select(samples[n].Keypoints)));
                n++;
            }
        }
        if (n != samples.Count) throw new InvalidOperationException($"The preprocessing produced {n} rows for {samples.Count} faces.");
        int d = targets.Count / n;
        return new TensorDataset(tensor(pixels).reshape(n, 1, height, width), tensor(targets.ToArray()).reshape(n, d), faces);
    }
}
