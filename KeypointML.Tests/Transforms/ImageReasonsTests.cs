using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>An image that cannot be read says why, and names the file.</summary>
public class ImageReasonsTests
{
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    private static string Failure(string path)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = path } });
        var loaded = ml.Transforms.LoadKeypointImages().Fit(data).Transform(data);
        var e = Assert.Catch(() => loaded.GetColumn<float[]>(KeypointColumns.ImageSize).ToList());
        while (e is not InvalidDataException && e!.InnerException is not null) e = e.InnerException;
        return e!.Message;
    }

    // A PNG signature and IHDR chunk only (8-bit RGB): enough for the decoder to read the size.
    private static byte[] Png16HeaderOnly(int width, int height)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kpml-{Guid.NewGuid():N}.png");
        try
        {
            KeypointML.Tests.Detection.Png16.Write(path, 1, 1);
            var bytes = File.ReadAllBytes(path);
            // Patch the IHDR size (bytes 16-23) and its CRC (bytes 29-32) to claim width x height.
            byte[] Be(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
            Be(width).CopyTo(bytes, 16);
            Be(height).CopyTo(bytes, 20);
            Be((int)KeypointML.Tests.Detection.Png16.Crc(bytes.AsSpan(12, 17).ToArray())).CopyTo(bytes, 29);
            return bytes;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void EachBadFile_HasItsOwnReason()
    {
        using var folder = new TempFolder();
        var empty = Path.Combine(folder.Path, "empty.jpg");
        File.WriteAllBytes(empty, []);
        var random = Path.Combine(folder.Path, "random.jpg");
        File.WriteAllBytes(random, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var truncated = Path.Combine(folder.Path, "truncated.jpg");
        var real = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmValidation).Rows.First().ImagePath;
        var bytes = File.ReadAllBytes(real);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var missing = Path.Combine(folder.Path, "missing.jpg");
        // A PNG header that claims 20000 x 20000 pixels (400 megapixels): refused before any pixel is allocated.
        var huge = Path.Combine(folder.Path, "huge.png");
        File.WriteAllBytes(huge, Png16HeaderOnly(20000, 20000));

        Assert.Multiple(() =>
        {
            Assert.That(Failure(empty), Does.Contain("empty.jpg").And.Contain("is empty (0 bytes)"));
            Assert.That(Failure(random), Does.Contain("random.jpg").And.Contain("is not an image"));
            Assert.That(Failure(truncated), Does.Contain("truncated.jpg").And.Contain("truncated or corrupt"));
            Assert.That(Failure(folder.Path), Does.Contain("is a folder, not an image file"));
            Assert.That(Failure(missing), Does.Contain("missing.jpg").And.Contain("not found"));
            Assert.That(Failure(""), Does.Contain("the path is empty"));
            Assert.That(Failure(huge), Does.Contain("huge.png").And.Contain("400 megapixels"));
        });
    }
}
