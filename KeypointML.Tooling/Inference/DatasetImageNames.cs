using KeypointML.Data;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// Names images the way their dataset does: the path relative to the dataset's folder, with '/' separators. For a dlib
/// XML or a box CSV that is the path written in the file (relative to the file's folder, e.g. <c>helen/testset/x.jpg</c>);
/// for the IMM Face Database and plain image folders it is the file name (<c>01-1m.jpg</c>).
/// </summary>
public sealed class DatasetImageNames
{
    private DatasetImageNames(string folder) => Folder = folder;

    /// <summary>The folder image names are relative to.</summary>
    public string Folder { get; }

    /// <summary>The naming of the dataset <paramref name="spec"/> (as given to <see cref="KeypointDatasets.Load"/>).</summary>
    public static DatasetImageNames For(string spec)
    {
        string folder = spec.Trim().ToLowerInvariant() switch
        {
            KeypointDatasets.ImmTrain or KeypointDatasets.ImmValidation or KeypointDatasets.ImmAll => KeypointDataPaths.Imm,
            KeypointDatasets.IbugTrain or KeypointDatasets.IbugTest => KeypointDataPaths.Ibug,
            _ when Directory.Exists(spec) => spec,
            _ => Path.GetDirectoryName(Path.GetFullPath(spec))!,
        };
        return new DatasetImageNames(Path.GetFullPath(folder));
    }

    /// <summary>The dataset's name for the image at <paramref name="imagePath"/> (an absolute path from the ImagePath column).</summary>
    public string Name(string imagePath) => Path.GetRelativePath(Folder, imagePath).Replace(Path.DirectorySeparatorChar, '/');
}
