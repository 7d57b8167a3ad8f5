using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Files;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>
/// Pictures of predictions on the original images (SkiaSharp 2.88): the face box in yellow, the predicted points in
/// red and, when the dataset has labels for them, the true points in green. One PNG per image, all its faces on it.
/// </summary>
public static class KeypointOverlays
{
    public static readonly SKColor PredictionColor = SKColors.Red, TruthColor = SKColors.LimeGreen, BoxColor = SKColors.Yellow;

    /// <summary>Writes one picture per image into <paramref name="folder"/>; returns the number written.</summary>
    public static int Write(string folder, IReadOnlyList<FacePrediction> faces, DatasetImageNames names)
    {
        Directory.CreateDirectory(folder);
        int written = 0;
        foreach (var image in faces.GroupBy(f => f.ImagePath))
        {
            using var bitmap = SKBitmap.Decode(image.Key) ?? throw new InvalidDataException($"{image.Key}: the image could not be decoded for the overlay.");
            using (var canvas = new SKCanvas(bitmap))
                foreach (var face in image) Draw(canvas, face, Math.Min(bitmap.Width, bitmap.Height));
            Save(bitmap, Path.Combine(folder, FileName(names.Name(image.Key))));
            written++;
        }
        return written;
    }

    /// <summary>The picture's file name: the dataset's image name with folders joined by "__", as PNG.</summary>
    public static string FileName(string imageName) => Path.ChangeExtension(imageName.Replace("/", "__"), ".png");

    /// <summary>Draws one face's box, truth and prediction; sizes follow the image so small and large pictures read alike.</summary>
    public static void Draw(SKCanvas canvas, FacePrediction face, int imageSide)
    {
        float radius = Math.Max(2f, imageSide / 160f);
        using var box = new SKPaint { Color = BoxColor, Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(1f, radius / 2), IsAntialias = true };
        canvas.DrawRect(face.Box[0], face.Box[1], face.Box[2], face.Box[3], box);
        if (face.Truth is { } truth) Points(canvas, truth, TruthColor, radius);
        Points(canvas, face.Keypoints, PredictionColor, radius);
    }

    private static void Points(SKCanvas canvas, float[] xy, SKColor color, float radius)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        // Pixel k covers canvas [k, k+1): a keypoint at pixel coordinate k is drawn at k + 0.5.
        for (int i = 0; i + 1 < xy.Length; i += 2) canvas.DrawCircle(xy[i] + 0.5f, xy[i + 1] + 0.5f, radius, paint);
    }

    internal static void Save(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, s => data.SaveTo(s));
    }
}
