using KeypointML.Analysis;
using KeypointML.Detection;
using KeypointML.Imaging;
using KeypointML.Tooling.Inference;
using SkiaSharp;

namespace KeypointML.Tooling.Plots;

/// <summary>Aligned face chips as PNG files (<c>keypointml predict --faces --chips DIR</c>): one per face with 68 points,
/// named after the image and the face's index.</summary>
public static class ChipWriter
{
    /// <summary>Writes the chips of <paramref name="faces"/>; returns how many.</summary>
    public static int Write(string folder, IReadOnlyList<FoundFace> faces, DatasetImageNames names, FaceChipTemplate? template = null)
    {
        Directory.CreateDirectory(folder);
        int written = 0;
        foreach (var image in faces.Where(f => f.Keypoints.Length == 136 && f.Keypoints.All(float.IsFinite)).GroupBy(f => f.ImagePath))
        {
            using var pixels = ImageFileReader.ReadPixels(image.Key, static (_, _) => 1);
            foreach (var face in image)
            {
                var chip = FaceChips.Extract(pixels.Image, face.Keypoints, template);
                using var bitmap = new SKBitmap(new SKImageInfo(chip.Size, chip.Size, SKColorType.Bgra8888, SKAlphaType.Premul));
                System.Runtime.InteropServices.Marshal.Copy(chip.Pixels, 0, bitmap.GetPixels(), chip.Pixels.Length);
                using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                var name = Path.GetFileNameWithoutExtension(KeypointOverlays.FileName(names.Name(image.Key))) + $"__{face.FaceIndex}.png";
                var target = Path.Combine(folder, name);
                var temporary = target + ".tmp";
                using (var file = File.Create(temporary)) data.SaveTo(file);
                File.Move(temporary, target, overwrite: true);
                written++;
            }
        }
        return written;
    }
}
