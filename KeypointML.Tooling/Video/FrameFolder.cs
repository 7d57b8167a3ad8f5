using KeypointML.Imaging;

namespace KeypointML.Tooling.Video;

/// <summary>A folder of frames (.jpg, .jpeg, .png, .bmp) in ordinal name order, at a given frame rate: frame i is at
/// i / fps seconds whether or not it could be read.</summary>
public sealed class FrameFolder : IFrameSource
{
    private readonly IReadOnlyList<string> _files;
    private readonly double _fps;

    public FrameFolder(string folder, double fps)
    {
        if (!(fps > 0)) throw new ArgumentException($"The frame rate must be positive; got {fps}.", nameof(fps));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder of frames.");
        _files = Files(folder);
        if (_files.Count == 0) throw new ArgumentException($"{folder}: no frames (.jpg, .jpeg, .png, .bmp).");
        _fps = fps;
        Name = folder;
    }

    public string Name { get; }
    public int ExpectedFrames => _files.Count;

    // The frame files of a folder, in ordinal name order.
    private static List<string> Files(string folder) =>
        [.. Directory.EnumerateFiles(folder).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp")
            .Order(StringComparer.Ordinal)];

    public void Read(FrameHandler frame, Action<int, string> skipped)
    {
        for (int i = 0; i < _files.Count; i++)
        {
            DecodedPixels pixels;
            try { pixels = ImageFileReader.ReadPixels(_files[i], static (_, _) => 1); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
            {
                skipped(i, $"{Path.GetFileName(_files[i])}: {e.Message}");
                continue;
            }
            using (pixels) frame(i, i / _fps, pixels.Image);
        }
    }
}
