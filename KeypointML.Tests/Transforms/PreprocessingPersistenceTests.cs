using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class PreprocessingPersistenceTests
{
    private sealed class Output
    {
        public float[] Pixels { get; set; } = [];
        public float[] CropGeometry { get; set; } = [];
    }

    [Test]
    public void Crop_and_normalize_saved_and_loaded_give_identical_tensors_on_a_real_image()
    {
        var ml = new MLContext(seed: 1);
        var rows = new[] { new PathBoxRow { ImagePath = TestImages.ImmImagePath, Box = [250, 150, 140, 170] } };
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.CropToFaceBox(scale: 1.3f, fill: 10))
            .Append(ml.Transforms.NormalizeGrayscale("Pixels", "CroppedImage", 64, 64));
        var model = pipeline.Fit(data);
        var before = ml.Data.CreateEnumerable<Output>(model.Transform(data), false).Single();

        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"preprocess-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, data.Schema, path);
        var fresh = new MLContext(seed: 2).RegisterKeypointComponents();
        var loaded = fresh.Model.Load(path, out _);
        File.Delete(path);
        var after = fresh.Data.CreateEnumerable<Output>(loaded.Transform(fresh.Data.LoadFromEnumerable(rows)), false).Single();

        Assert.That(before.Pixels, Has.Length.EqualTo(64 * 64));
        Assert.That(after.Pixels, Is.EqualTo(before.Pixels));
        Assert.That(after.CropGeometry, Is.EqualTo(before.CropGeometry));
        Assert.That(before.CropGeometry, Is.EqualTo(KeypointML.Geometry.CropGeometry.AroundBox(250, 150, 140, 170, 1.3f, true).ToVector()));
    }
}
