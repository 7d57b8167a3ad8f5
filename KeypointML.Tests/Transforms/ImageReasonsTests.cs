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

        Assert.Multiple(() =>
        {
            Assert.That(Failure(empty), Does.Contain("empty.jpg").And.Contain("is empty (0 bytes)"));
            Assert.That(Failure(random), Does.Contain("random.jpg").And.Contain("is not an image"));
            Assert.That(Failure(truncated), Does.Contain("truncated.jpg").And.Contain("truncated or corrupt"));
            Assert.That(Failure(folder.Path), Does.Contain("is a folder, not an image file"));
            Assert.That(Failure(missing), Does.Contain("missing.jpg").And.Contain("not found"));
            Assert.That(Failure(""), Does.Contain("the path is empty"));
        });
    }
}
