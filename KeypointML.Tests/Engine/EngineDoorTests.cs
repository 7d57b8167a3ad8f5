using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Engine;

/// <summary>Every door into the engine (path, stream, bytes, decoded pixels in each format with padded rows) gives the same
/// faces and points; bad input names the file.</summary>
public class EngineDoorTests
{
    private static FaceLandmarker Open() => FaceLandmarker.Open(RepositoryFiles.Model("ibug68-fast"), RepositoryFiles.Model("yunet"));

    private static string Photo()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        return DataFixtures.ImmJpg("01-1m");
    }

    // The photo's decoded BGRA pixels, the engine's own decode.
    private static (byte[] Bgra, int Width, int Height) Decoded(string path)
    {
        using var pixels = ImageFileReader.ReadPixels(path, static (_, _) => 1);
        return (pixels.Span.ToArray(), pixels.Width, pixels.Height);
    }

    // The same picture in another layout, each row padded with `padding` junk bytes.
    private static byte[] Repack(byte[] bgra, int width, int height, PixelFormat format, int padding, out int stride)
    {
        int bpp = format.BytesPerPixel();
        stride = width * bpp + padding;
        var packed = new byte[stride * height];
        new Random(1).NextBytes(packed);   // the padding holds junk, which must never be read
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * 4, d = y * stride + x * bpp;
                byte b = bgra[s], g = bgra[s + 1], r = bgra[s + 2], a = bgra[s + 3];
                switch (format)
                {
                    case PixelFormat.Bgra32: packed[d] = b; packed[d + 1] = g; packed[d + 2] = r; packed[d + 3] = a; break;
                    case PixelFormat.Rgba32: packed[d] = r; packed[d + 1] = g; packed[d + 2] = b; packed[d + 3] = a; break;
                    case PixelFormat.Bgr24: packed[d] = b; packed[d + 1] = g; packed[d + 2] = r; break;
                    case PixelFormat.Rgb24: packed[d] = r; packed[d + 1] = g; packed[d + 2] = b; break;
                    case PixelFormat.Gray8: packed[d] = g; break;
                }
            }
        return packed;
    }

    [Test]
    public void Path_stream_and_bytes_give_the_same_points()
    {
        var photo = Photo();
        using var landmarker = Open();
        var byPath = landmarker.Find(photo).Single();
        Assert.That(byPath.Keypoints, Has.Length.EqualTo(136));
        Assert.That(byPath.Keypoints.All(float.IsFinite), Is.True);
        Assert.That(landmarker.Find(File.ReadAllBytes(photo)).Single().Keypoints, Is.EqualTo(byPath.Keypoints));
        using var stream = File.OpenRead(photo);
        Assert.That(landmarker.Find(stream).Single().Keypoints, Is.EqualTo(byPath.Keypoints));
    }

    [TestCase(PixelFormat.Bgra32, 0)]
    [TestCase(PixelFormat.Bgra32, 12)]
    [TestCase(PixelFormat.Rgba32, 8)]
    [TestCase(PixelFormat.Bgr24, 5)]
    [TestCase(PixelFormat.Rgb24, 3)]
    public void Decoded_pixels_in_any_colour_layout_give_the_points_of_the_file(PixelFormat format, int padding)
    {
        var photo = Photo();
        using var landmarker = Open();
        var expected = landmarker.Find(photo).Single();
        var (bgra, w, h) = Decoded(photo);
        var packed = Repack(bgra, w, h, format, padding, out int stride);
        var found = landmarker.Find(new ImagePixels(packed, w, h, format, stride)).Single();
        Assert.That(found.Keypoints, Is.EqualTo(expected.Keypoints), $"{format}, stride {stride}");
        Assert.That(found.DetectorBox, Is.EqualTo(expected.DetectorBox));
    }

    [Test]
    public void Grey_pixels_give_the_points_of_the_same_grey_picture_in_colour()
    {
        var photo = Photo();
        using var landmarker = Open();
        var (bgra, w, h) = Decoded(photo);
        var grey = Repack(bgra, w, h, PixelFormat.Gray8, 7, out int stride);
        // The same levels as a colour picture with R = G = B.
        var colour = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = grey[y * stride + x];
                colour.AsSpan((y * w + x) * 4, 4).Fill(v);
                colour[(y * w + x) * 4 + 3] = 255;
            }
        var fromGrey = landmarker.Find(new ImagePixels(grey, w, h, PixelFormat.Gray8, stride)).Single();
        var fromColour = landmarker.Find(new ImagePixels(colour, w, h, PixelFormat.Bgra32)).Single();
        Assert.That(fromGrey.Keypoints, Is.EqualTo(fromColour.Keypoints));
    }

    [Test]
    public void A_buffer_too_small_for_its_stride_is_refused_with_the_reason()
    {
        var pixels = new byte[100 * 10 * 3];
        Assert.That(() => new ImagePixels(pixels, 100, 10, PixelFormat.Bgr24, stride: 320),
            Throws.ArgumentException.With.Message.Contains("need 3180 bytes; the buffer holds 3000"));
        Assert.That(() => new ImagePixels(pixels, 100, 10, PixelFormat.Bgr24, stride: 200),
            Throws.ArgumentException.With.Message.Contains("shorter than a row"));
    }

    [Test]
    public void A_missing_or_broken_file_is_named_not_an_ML_NET_worker()
    {
        Photo();
        using var landmarker = Open();
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "nobody.jpg");
        Assert.That(() => landmarker.Detect(missing), Throws.TypeOf<FileNotFoundException>().With.Message.Contains("nobody.jpg"));
        var broken = Path.Combine(folder.Path, "half.jpg");
        File.WriteAllBytes(broken, File.ReadAllBytes(DataFixtures.ImmJpg("01-1m")).AsSpan(0, 2000).ToArray());
        Assert.That(() => landmarker.Detect(broken), Throws.TypeOf<InvalidDataException>().With.Message.Contains("half.jpg"));
        Assert.That(() => landmarker.Detect(new byte[] { 1, 2, 3 }), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not an image"));
    }
}
