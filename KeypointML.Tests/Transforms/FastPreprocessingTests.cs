using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Geometry;
using KeypointML.Imaging;
using KeypointML.Preprocessing;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>
/// The fast preprocessing (one decode into a pooled buffer, <see cref="FaceTensorSampler"/>'s fused crop, grey, resize and
/// normalize) must give the tensors of the composable steps bit for bit, so every model's points are unchanged.
/// </summary>
public class FastPreprocessingTests
{
    // The separate steps NormalizeGrayscale and CropToFaceBox run: crop with fill, grey levels, resize, normalize.
    private static float[] SeparateSteps(MLImage image, CropGeometry crop, byte fill, int width, int height)
    {
        using var cropped = ImageCropper.Crop(image, crop, fill);
        var levels = ImageGrayscale.Levels(cropped);
        using var resized = ImageResampler.ResizeLevels(levels, cropped.Width, cropped.Height, width, height, cropped.PixelFormat);
        var pixels = resized.Pixels;
        var tensor = new float[width * height];
        for (int i = 0; i < tensor.Length; i++) tensor[i] = GrayscaleNormalization.Normalize(pixels[4 * i]);
        GC.KeepAlive(resized);
        return tensor;
    }

    private static List<KeypointSample> TestFaces(int count) =>
        KeypointDatasets.Load(new MLContext(0), KeypointDatasets.IbugTest).Rows.Take(count).ToList();

    [TestCase(128, 128, 1.45f, (byte)0)]
    [TestCase(224, 224, 1.45f, (byte)0)]
    [TestCase(60, 80, 1.0f, (byte)37)]   // unsquared, shrink and enlarge on different axes
    [TestCase(96, 64, 2.5f, (byte)200)]  // crops far past the image edges: fill on every side
    public void Fused_sampler_equals_the_separate_steps_bit_for_bit_on_real_faces(int height, int width, float scale, byte fill)
    {
        foreach (var face in TestFaces(12))
        {
            using var image = MLImage.CreateFromFile(face.ImagePath);
            foreach (var shift in new[] { 0f, -0.6f, 0.7f })   // crops inside, past the left/top and past the right/bottom edges
            {
                var box = face.Box;
                var crop = CropGeometry.AroundBox(box[0] + shift * box[2], box[1] + shift * box[3], box[2], box[3], scale, square: width == height);
                var expected = SeparateSteps(image, crop, fill, width, height);
                var actual = new float[width * height];
                FaceTensorSampler.Sample(image, crop, fill, width, height, actual);
                Assert.That(actual, Is.EqualTo(expected), $"{face.ImagePath}, crop {crop}");
            }
        }
    }

    [Test]
    public void Fused_sampler_reads_rgba_like_bgra_and_the_whole_image_as_a_crop()
    {
        using var bgra = MLImage.CreateFromFile(DataFixtures.ImmJpg("01-1m"));
        var swapped = bgra.Pixels.ToArray();
        for (int i = 0; i < swapped.Length; i += 4) (swapped[i], swapped[i + 2]) = (swapped[i + 2], swapped[i]);
        using var rgba = MLImage.CreateFromPixels(bgra.Width, bgra.Height, MLPixelFormat.Rgba32, swapped);
        var whole = CropGeometry.WholeImage(bgra.Width, bgra.Height);
        var a = new float[60 * 80];
        var b = new float[60 * 80];
        FaceTensorSampler.Sample(bgra, whole, 0, 80, 60, a);
        FaceTensorSampler.Sample(rgba, whole, 0, 80, 60, b);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(a, Is.EqualTo(SeparateSteps(bgra, whole, 0, 80, 60)));
    }

    [Test]
    public void Detection_fast_path_equals_the_composable_steps_it_saves_on_real_faces()
    {
        var ml = new MLContext(seed: 1);
        var faces = TestFaces(24);
        var data = ml.Data.LoadFromEnumerable(faces.Select(f => new PathBoxRow { ImagePath = f.ImagePath, Box = f.Box }));
        using var fitted = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("ibug68-resnet18"), boxColumnName: "Box").Fit(data);
        var fast = ml.Data.CreateEnumerable<Points>(fitted.Transform(data), false).ToList();

        var zip = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"fast-{Guid.NewGuid():N}.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        var fresh = new MLContext(seed: 2).RegisterKeypointComponents();
        var loaded = fresh.Model.Load(zip, out _);
        File.Delete(zip);
        var composable = fresh.Data.CreateEnumerable<Points>(loaded.Transform(data), false).ToList();

        Assert.That(fast, Has.Count.EqualTo(faces.Count));
        for (int i = 0; i < faces.Count; i++)
        {
            Assert.That(fast[i].Keypoints, Is.EqualTo(composable[i].Keypoints), faces[i].ImagePath);
            Assert.That(fast[i].CropGeometry, Is.EqualTo(composable[i].CropGeometry));
            Assert.That(fast[i].ImageSize, Is.EqualTo(composable[i].ImageSize));
        }
    }

    [Test]
    public void Reduced_decoding_picks_the_largest_reduction_that_keeps_the_crop_at_the_model_input()
    {
        var p128 = new FacePreprocessing { InputHeight = 128, InputWidth = 128 };
        Assert.That(FaceTensorMapping.Reduction(new CropGeometry(0, 0, 330, 330), p128), Is.EqualTo(2));
        Assert.That(FaceTensorMapping.Reduction(new CropGeometry(0, 0, 255, 330), p128), Is.EqualTo(1));
        var nose = new FacePreprocessing { InputHeight = 60, InputWidth = 80 };
        Assert.That(FaceTensorMapping.Reduction(CropGeometry.WholeImage(640, 480), nose), Is.EqualTo(8));

        // A 640x480 IMM photo for the nose model decodes at 80x60, and its tensor stays close to the full decode's.
        var path = DataFixtures.ImmJpg("01-1m");
        using var reduced = ImageFileReader.ReadPixels(path, (w, h) => FaceTensorMapping.Reduction(CropGeometry.WholeImage(w, h), nose));
        Assert.That((reduced.Width, reduced.Height, reduced.FullWidth, reduced.FullHeight), Is.EqualTo((80, 60, 640, 480)));
        var fromReduced = new float[60 * 80];
        FaceTensorSampler.Sample(reduced.Source, CropGeometry.WholeImage(640, 480), 0, 80, 60, fromReduced);
        using var full = MLImage.CreateFromFile(path);
        var fromFull = SeparateSteps(full, CropGeometry.WholeImage(640, 480), 0, 80, 60);
        double meanAbs = fromReduced.Zip(fromFull, (a, b) => Math.Abs(a - b)).Average() * 255;
        TestContext.Out.WriteLine($"mean |reduced - full| = {meanAbs:F2} grey levels");
        Assert.That(meanAbs, Is.LessThan(3), "a DCT-domain 1/8 decode is close to the filtered full decode");
        Assert.That(meanAbs, Is.GreaterThan(0), "the reduced decode is a different image (it is not silently the full one)");
    }

    private sealed class PathBoxRow
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }

    private sealed class Points
    {
        public float[] Keypoints { get; set; } = [];
        public float[] CropGeometry { get; set; } = [];
        public float[] ImageSize { get; set; } = [];
    }
}
