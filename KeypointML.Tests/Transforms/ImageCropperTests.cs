using KeypointML.Geometry;
using KeypointML.Imaging;

namespace KeypointML.Tests.Transforms;

public class ImageCropperTests
{
    [Test]
    public void Crop_inside_copies_exact_pixels()
    {
        using var image = TestImages.Coordinates(10, 8);
        using var crop = ImageCropper.Crop(image, new CropGeometry(2, 3, 4, 5));
        Assert.That((crop.Width, crop.Height), Is.EqualTo((4, 5)));
        var p = crop.Pixels;
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 4; x++)
            {
                int i = (y * 4 + x) * 4;
                Assert.That((p[i], p[i + 1], p[i + 2]), Is.EqualTo(((byte)(x + 2), (byte)(y + 3), (byte)7)), $"pixel ({x}, {y})");
            }
    }

    [Test]
    public void Crop_outside_the_image_is_filled_opaque()
    {
        using var image = TestImages.Coordinates(4, 4);
        using var crop = ImageCropper.Crop(image, new CropGeometry(-2, -1, 8, 3), fill: 99);
        var p = crop.Pixels.ToArray();
        byte[] Pixel(int x, int y) => p[((y * 8 + x) * 4)..((y * 8 + x) * 4 + 4)];
        Assert.Multiple(() =>
        {
            Assert.That(Pixel(0, 0), Is.EqualTo(new byte[] { 99, 99, 99, 255 }), "left of and above the image");
            Assert.That(Pixel(1, 2), Is.EqualTo(new byte[] { 99, 99, 99, 255 }), "left of the image");
            Assert.That(Pixel(2, 1), Is.EqualTo(new byte[] { 0, 0, 7, 255 }), "image pixel (0, 0)");
            Assert.That(Pixel(5, 2), Is.EqualTo(new byte[] { 3, 1, 7, 255 }), "image pixel (3, 1)");
            Assert.That(Pixel(6, 2), Is.EqualTo(new byte[] { 99, 99, 99, 255 }), "right of the image");
        });
    }

    [Test]
    public void Crop_entirely_outside_is_all_fill()
    {
        using var image = TestImages.Coordinates(4, 4);
        using var crop = ImageCropper.Crop(image, new CropGeometry(10, 10, 2, 2), fill: 5);
        Assert.That(crop.Pixels.ToArray(), Is.EqualTo(new byte[] { 5, 5, 5, 255, 5, 5, 5, 255, 5, 5, 5, 255, 5, 5, 5, 255 }));
    }
}
