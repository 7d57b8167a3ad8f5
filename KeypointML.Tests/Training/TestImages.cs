using KeypointML.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>Real face images for tests that only need realistic pixels (export parity), gray/255-0.5 at a given size.</summary>
internal static class TestImages
{
    public static string[] ImmJpegs(int count)
    {
        var root = KeypointDataPaths.TryFindRoot();
        if (root is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        return Directory.GetFiles(Path.Combine(root!, KeypointDataPaths.ImmFolder), "*.jpg").OrderBy(p => p, StringComparer.Ordinal).Take(count).ToArray();
    }

    public static Tensor Load(IEnumerable<string> paths, int height, int width)
    {
        var list = new List<float>();
        int n = 0;
        foreach (var path in paths)
        {
            using var src = SKBitmap.Decode(path);
            using var resized = src.Resize(new SKImageInfo(width, height), SKFilterQuality.Medium);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    var c = resized.GetPixel(x, y);
                    list.Add((0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f - 0.5f);
                }
            n++;
        }
        return tensor(list.ToArray()).reshape(n, 1, height, width);
    }
}
