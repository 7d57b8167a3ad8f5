using KeypointML.Preprocessing;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class GrayscaleNormalizingTests
{
    private sealed class PixelsRow
    {
        public float[] Pixels { get; set; } = [];
    }

    [TestCase((byte)0)]
    [TestCase((byte)200)]
    [TestCase((byte)255)]
    public void Grey_level_v_becomes_v_over_255_minus_half_in_a_1_H_W_tensor(byte grey)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Uniform(30, 20, grey), Box = [0, 0, 1, 1] }]);
        var model = ml.Transforms.NormalizeGrayscale("Pixels", "Image", height: 8, width: 6).Fit(data);
        var output = model.Transform(data);

        var type = (VectorDataViewType)output.Schema["Pixels"].Type;
        Assert.That(type.Dimensions.ToArray(), Is.EqualTo(new[] { 1, 8, 6 }));
        var pixels = ml.Data.CreateEnumerable<PixelsRow>(output, false).Single().Pixels;
        Assert.That(pixels, Has.Length.EqualTo(48));
        Assert.That(pixels, Has.All.EqualTo(grey / 255f - 0.5f).Within(1e-6f));
        Assert.That(GrayscaleNormalization.Normalize(grey), Is.EqualTo(grey / 255f - 0.5f).Within(1e-6f));
    }

    [Test]
    public void A_missing_image_column_is_named()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Uniform(4, 4, 1), Box = [0, 0, 1, 1] }]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.NormalizeGrayscale("Pixels", "Cropped", 4, 4).Fit(data));
        Assert.That(e!.Message, Does.Contain("'Cropped'").And.Contain("image"));
    }
}
