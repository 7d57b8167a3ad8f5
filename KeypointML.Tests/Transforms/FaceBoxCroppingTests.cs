using KeypointML.Geometry;
using KeypointML.Imaging;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class FaceBoxCroppingTests
{
    private sealed class CropOutput
    {
        [KeypointML.Imaging.AnySizeImageType] public MLImage? CroppedImage { get; set; }
        public float[] CropGeometry { get; set; } = [];
    }

    [Test]
    public void Crops_to_the_scaled_square_box_and_writes_the_geometry()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Coordinates(40, 30), Box = [5, 6, 10, 8] }]);
        var model = ml.Transforms.CropToFaceBox(scale: 1.5f, square: true, fill: 3).Fit(data);
        var row = ml.Data.CreateEnumerable<CropOutput>(model.Transform(data), reuseRowObject: false).Single();

        var expected = CropGeometry.AroundBox(5, 6, 10, 8, 1.5f, true);
        Assert.That(row.CropGeometry, Is.EqualTo(expected.ToVector()));
        using var reference = ImageCropper.Crop(TestImages.Coordinates(40, 30), expected, 3);
        Assert.That(row.CroppedImage!.Pixels.ToArray(), Is.EqualTo(reference.Pixels.ToArray()));
    }

    [Test]
    public void Without_a_box_column_the_whole_image_is_the_crop()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Coordinates(12, 9), Box = [0, 0, 1, 1] }]);
        var model = ml.Transforms.CropToFaceBox(boxColumnName: null).Fit(data);
        var row = ml.Data.CreateEnumerable<CropOutput>(model.Transform(data), reuseRowObject: false).Single();
        Assert.That(row.CropGeometry, Is.EqualTo(new float[] { 0, 0, 12, 9 }));
        Assert.That((row.CroppedImage!.Width, row.CroppedImage.Height), Is.EqualTo((12, 9)));
    }

    [Test]
    public void Missing_or_wrongly_typed_columns_are_named_in_the_error()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Coordinates(4, 4), Box = [0, 0, 2, 2] }]);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.CropToFaceBox(boxColumnName: "FaceBox").Fit(data));
        Assert.That(missing!.Message, Does.Contain("'FaceBox'").And.Contain("not found"));
        var wrong = Assert.Throws<ArgumentException>(() => ml.Transforms.CropToFaceBox(imageColumnName: "Box").Fit(data));
        Assert.That(wrong!.Message, Does.Contain("'Box'").And.Contain("expected an image"));
    }

    [Test]
    public void A_zero_sized_box_names_the_box_in_the_error()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Coordinates(4, 4), Box = [1, 1, 0, 2] }]);
        var output = ml.Transforms.CropToFaceBox().Fit(data).Transform(data);
        var e = Assert.Throws<InvalidOperationException>(() => ml.Data.CreateEnumerable<CropOutput>(output, false).ToList());
        Assert.That(e!.Message, Does.Contain("face box [1, 1, 0, 2]"));
    }
}
