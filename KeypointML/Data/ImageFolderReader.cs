namespace KeypointML.Data;

/// <summary>
/// Reads a folder of images without labels as rows whose box is the whole image and whose keypoints are empty:
/// the input for running a whole-image model (as the IMM models are) on new pictures.
/// </summary>
/// <remarks>The folder and its sub-folders are listed, in ordinal order of the path relative to the folder (a photo
/// collection is often sorted into folders).</remarks>
public static class ImageFolderReader
{
    /// <summary>The file extensions taken as images (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>The image files of the folder and its sub-folders, in ordinal order of their paths.</summary>
    public static string[] FindImages(string folder)
    {
        DataFiles.RequireFolder(folder);
        var files = Directory.GetFiles(Path.GetFullPath(folder), "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The rows; the folder is listed now, each image header is read when the enumeration reaches it (an unreadable
    /// one gives size 0 x 0, and the pipeline says why).</summary>
    public static IEnumerable<KeypointSample> Read(string folder)
    {
        var files = FindImages(folder);
        if (files.Length == 0)
            throw KeypointDataException.InFile(folder, $"the folder holds no images ({string.Join(", ", ImageExtensions)}).");
        return files.Select(file =>
        {
            // A file without a readable header is still a row: scoring marks it with the decoder's reason (empty, not an
            // image, ...), so one broken photo does not stop the folder.
            int width = 0, height = 0;
            try { (width, height) = ImageHeader.ReadSize(file, file); }
            catch (KeypointDataException) { }
            return new KeypointSample(file, width, height, FaceBoxes.WholeImage(width, height), []);
        });
    }
}
