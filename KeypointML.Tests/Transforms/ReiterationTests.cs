using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class ReiterationTests
{
    /// <summary>Training reads its tensors once per epoch: the preprocessing over image files must enumerate again and again.</summary>
    [Test]
    public void Load_crop_normalize_over_files_can_be_enumerated_repeatedly_with_identical_tensors()
    {
        using var files = new TestFiles();
        var image = files.GaussianPng("blob.png", 60, 50, 30.5f, 20.5f, 4f);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = image, Box = [10, 5, 40, 30] }]);
        var view = ml.Transforms.LoadKeypointImages()
            .Append(ml.Transforms.CropToFaceBox(scale: 1.2f))
            .Append(ml.Transforms.NormalizeGrayscale("Pixels", "CroppedImage", 24, 24))
            .Fit(data).Transform(data);
        var epochs = Enumerable.Range(0, 3).Select(_ => view.GetColumn<float[]>("Pixels").Single()).ToList();
        Assert.That(epochs[0], Has.Length.EqualTo(24 * 24));
        Assert.That(epochs[1], Is.EqualTo(epochs[0]));
        Assert.That(epochs[2], Is.EqualTo(epochs[0]));
    }
}
