using KeypointML.Tooling.Onnx;
using KeypointML.Tooling.Bench;
using SkiaSharp;

namespace KeypointML.Tests.Transforms;

/// <summary>A per-test temporary folder with lossless test images and synthetic ONNX models.</summary>
internal sealed class TestFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("keypointml-test-").FullName;

    /// <summary>A black PNG with white squares of <paramref name="size"/> pixels whose top-left corners are given.</summary>
    public string Png(string name, int width, int height, params (int X, int Y, int Size)[] squares)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        bitmap.Erase(SKColors.Black);
        foreach (var (x0, y0, size) in squares)
            for (int y = y0; y < y0 + size; y++)
                for (int x = x0; x < x0 + size; x++)
                    bitmap.SetPixel(x, y, SKColors.White);
        var path = Path.Combine(Folder, name);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A black PNG with a white Gaussian blob (peak 255, <paramref name="sigma"/> px) centred at (cx, cy).</summary>
    public string GaussianPng(string name, int width, int height, float cx, float cy, float sigma)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                byte v = (byte)MathF.Round(255 * MathF.Exp(-r2 / (2 * sigma * sigma)));
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        var path = Path.Combine(Folder, name);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    public string Model(string name, byte[] model) => SyntheticOnnxModels.Save(model, Path.Combine(Folder, name));

    public string Bytes(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A row with an image path and an optional face box.</summary>
internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    [Microsoft.ML.Data.VectorType(4)] public float[] Box { get; set; } = [0, 0, 1, 1];
}

/// <summary>What DetectKeypoints adds.</summary>
internal sealed class DetectionRow
{
    public string Error { get; set; } = "";
    public float[] Keypoints { get; set; } = [];
    public float[] Confidence { get; set; } = [];
    public float[] CropGeometry { get; set; } = [];
    public float[] ImageSize { get; set; } = [];
}

/// <summary>What DetectKeypoints adds for a coordinate model (no confidence).</summary>
internal sealed class CoordinateRow
{
    public float[] Keypoints { get; set; } = [];
    public float[] CropGeometry { get; set; } = [];
    public float[] ModelOutput { get; set; } = [];
}
