using System.Runtime.InteropServices;
using KeypointML.Imaging;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class ImageGrayscaleTests
{
    private const int Side = 4096; // 4096 x 4096 pixels: every 24-bit colour once

    /// <summary>
    /// NormalizeGrayscale computes grey levels itself instead of calling ConvertToGrayscale (see <see cref="ImageGrayscale"/>);
    /// models trained before must see the same tensors, so the levels must be ConvertToGrayscale's.
    /// </summary>
    [TestCase(MLPixelFormat.Bgra32)]
    [TestCase(MLPixelFormat.Rgba32)]
    public void Levels_equal_ImageAnalytics_ConvertToGrayscale_for_every_opaque_colour(MLPixelFormat format)
    {
        var pixels = new byte[Side * Side * 4];
        for (int c = 0; c < Side * Side; c++)
        {
            byte r = (byte)(c >> 16), g = (byte)(c >> 8), b = (byte)c;
            int o = c * 4;
            (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3]) = format == MLPixelFormat.Bgra32 ? (b, g, r, (byte)255) : (r, g, b, (byte)255);
        }
        byte[] ours;
        using (var source = MLImage.CreateFromPixels(Side, Side, format, pixels))
            ours = ImageGrayscale.Levels(source);

        var skia = ConvertToGrayscaleRed(format, pixels);
        int different = 0, worst = 0;
        for (int i = 0; i < ours.Length; i++)
            if (ours[i] != skia[i])
            {
                different++;
                worst = Math.Max(worst, Math.Abs(ours[i] - skia[i]));
            }
        TestContext.Out.WriteLine($"{different} of {ours.Length} colours differ (at most {worst} level)");
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
            Assert.That(different, Is.Zero, "SkiaSharp's x64 raster pipeline does not fuse multiply-adds: the levels must be equal");
        else
        {
            // Skia builds that fuse multiply-adds round some exact halves the other way.
            Assert.That(worst, Is.LessThanOrEqualTo(1));
            Assert.That(different, Is.LessThan(ours.Length / 1000));
        }
    }

    [Test]
    public void Convert_gives_an_opaque_grey_image_of_the_same_size_and_format_and_leaves_the_input_alone()
    {
        using var input = TestImages.Coordinates(30, 20); // R = x, G = y, B = 7
        using var grey = ImageGrayscale.Convert(input);
        Assert.That(grey, Is.Not.SameAs(input));
        Assert.That((grey.Width, grey.Height, grey.PixelFormat), Is.EqualTo((30, 20, MLPixelFormat.Rgba32)));
        var p = grey.Pixels;
        int o = (5 * 30 + 12) * 4; // x = 12, y = 5
        byte expected = ImageGrayscale.Level(12, 5, 7);
        Assert.That(expected, Is.EqualTo((byte)Math.Round(0.3 * 12 + 0.59 * 5 + 0.11 * 7)));
        Assert.That(new[] { p[o], p[o + 1], p[o + 2], p[o + 3] }, Is.EqualTo(new byte[] { expected, expected, expected, 255 }));
        Assert.That(input.Pixels[o], Is.EqualTo(12), "the input is still readable (not disposed)");
    }

    /// <summary>
    /// Ownership in the custom mappings: ImageAnalytics' getters dispose the images they handed out, so a mapping must
    /// answer a new image (never its input) and must not dispose the input it was given.
    /// </summary>
    [Test]
    public void The_image_mappings_answer_new_images_and_leave_their_inputs_alive()
    {
        using var image = TestImages.Coordinates(40, 30);

        var resizeOut = new GrayscaleNormalizingEstimator.ResizeOutput();
        var resizeIn = new GrayscaleNormalizingEstimator.ResizeInput { Image = image, Parameters = [30, 40] }; // height, width
        GrayscaleNormalizingEstimator.GrayResizeFactory.Mapping(resizeIn, resizeOut);
        using (var resized = resizeOut.Image!)
        {
            Assert.That(resized, Is.Not.SameAs(image), "same size: still a new image");
            Assert.That(resized.Pixels.ToArray(), Is.EqualTo(ImageGrayscaleTestsHelpers.GreyPixels(image)));
        }

        var cropOut = new FaceBoxCropEstimator.BoxCropOutput();
        var cropIn = new FaceBoxCropEstimator.BoxCropInput { Image = image, Box = [0, 0, 40, 30], Parameters = [1, 0, 0] }; // scale, square, fill
        FaceBoxCropEstimator.BoxCropFactory.Mapping(cropIn, cropOut);
        using (var cropped = cropOut.Image!)
        {
            Assert.That(cropped, Is.Not.SameAs(image), "the whole image as the box: still a new image");
            Assert.That(cropped.Pixels.ToArray(), Is.EqualTo(image.Pixels.ToArray()));
        }
        Assert.That(image.Width, Is.EqualTo(40), "the input is not disposed");
    }

    /// <summary>The red channel of ImageAnalytics' ConvertToGrayscale output for one in-memory image.</summary>
    private static byte[] ConvertToGrayscaleRed(MLPixelFormat format, byte[] pixels)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = MLImage.CreateFromPixels(Side, Side, format, pixels), Box = [0, 0, 1, 1] }]);
        var view = ml.Transforms.ConvertToGrayscale("Grey", "Image").Fit(data).Transform(data);
        using var cursor = view.GetRowCursor([view.Schema["Grey"]]);
        var getGrey = cursor.GetGetter<MLImage>(view.Schema["Grey"]);
        Assert.That(cursor.MoveNext(), Is.True);
        MLImage grey = null!;
        getGrey(ref grey);
        var (red, step) = grey.PixelFormat == MLPixelFormat.Bgra32 ? (2, 4) : (0, 4);
        var p = grey.Pixels;
        var levels = new byte[Side * Side];
        for (int i = 0; i < levels.Length; i++) levels[i] = p[i * step + red];
        GC.KeepAlive(grey);
        return levels;
    }
}

internal static class ImageGrayscaleTestsHelpers
{
    /// <summary>The opaque grey pixels (R = G = B = level, A = 255) of an image, in its own channel order.</summary>
    public static byte[] GreyPixels(MLImage image)
    {
        var levels = ImageGrayscale.Levels(image);
        var pixels = new byte[levels.Length * 4];
        for (int i = 0; i < levels.Length; i++) (pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]) = (levels[i], levels[i], levels[i], 255);
        return pixels;
    }
}
