using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>Synthetic images whose pixel values tell where they came from.</summary>
internal static class TestImages
{
    /// <summary>An RGBA image with R = x, G = y, B = 7, A = 255 (so crops can be checked pixel by pixel).</summary>
    public static MLImage Coordinates(int width, int height)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 4;
                pixels[i] = (byte)x; pixels[i + 1] = (byte)y; pixels[i + 2] = 7; pixels[i + 3] = 255;
            }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, pixels);
    }

    /// <summary>A uniform grey image.</summary>
    public static MLImage Uniform(int width, int height, byte grey)
    {
        var pixels = new byte[width * height * 4];
        pixels.AsSpan().Fill(grey);
        for (int i = 3; i < pixels.Length; i += 4) pixels[i] = 255;
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, pixels);
    }

    /// <summary>The real IMM image (640 x 480) used where a real picture matters.</summary>
    public static string ImmImagePath => Path.Combine(KeypointML.Data.KeypointDataPaths.Root, "imm_face_db", "01-1m.jpg");
}

/// <summary>A row with an image and a face box.</summary>
internal sealed class ImageBoxRow
{
    [KeypointML.Imaging.AnySizeImageType] public MLImage? Image { get; set; }
    [VectorType(4)] public float[] Box { get; set; } = [];
}

/// <summary>A row with an image file path and a face box.</summary>
internal sealed class PathBoxRow
{
    public string ImagePath { get; set; } = "";
    [VectorType(4)] public float[] Box { get; set; } = [];
}
