namespace KeypointML.Data;

/// <summary>
/// Reads the IMM Face Database (<c>.asf</c> shape files beside their images) as <see cref="ImmFaceSample"/> rows,
/// lazily: each file is parsed, and its image header read, only when the enumeration reaches it.
/// </summary>
public static class ImmFaceDatabase
{
    /// <summary>Points per IMM face.</summary>
    public const int PointCount = 58;
    /// <summary>The nose tip's 0-based point index (its x is at <c>Keypoints[2 * NoseTipIndex]</c>).</summary>
    public const int NoseTipIndex = 52;
    /// <summary>The last person of the training split; later persons are the validation split.</summary>
    public const int LastTrainingPerson = 32;

    /// <summary>
    /// The faces of one split, in file-name order. The folder is checked now; a bad file throws a
    /// <see cref="KeypointDataException"/> when the enumeration reaches it.
    /// </summary>
    public static IEnumerable<ImmFaceSample> Read(string folder, ImmSplit split = ImmSplit.All)
    {
        DataFiles.RequireFolder(folder);
        return ReadLazily(Path.GetFullPath(folder), split);
    }

    /// <summary>Whether the person belongs to the split.</summary>
    public static bool InSplit(int person, ImmSplit split) => split switch
    {
        ImmSplit.Train => person <= LastTrainingPerson,
        ImmSplit.Validation => person > LastTrainingPerson,
        _ => true,
    };

    /// <summary>Reads one <c>.asf</c> file and its image header.</summary>
    public static ImmFaceSample ReadFile(string asfPath)
    {
        asfPath = Path.GetFullPath(asfPath);
        var (person, view, gender) = ImmFileName.Parse(asfPath);
        return ReadFile(asfPath, person, view, gender);
    }

    private static IEnumerable<ImmFaceSample> ReadLazily(string folder, ImmSplit split)
    {
        var files = Directory.GetFiles(folder, "*.asf");
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0) throw KeypointDataException.InFile(folder, "the folder holds no .asf files.");
        foreach (var file in files)
        {
            var (person, view, gender) = ImmFileName.Parse(file);
            if (InSplit(person, split)) yield return ReadFile(file, person, view, gender);
        }
    }

    private static ImmFaceSample ReadFile(string asfPath, int person, int view, string gender)
    {
        var shape = ImmAsfFile.Read(asfPath, PointCount);
        var imagePath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(asfPath)!, shape.ImageFileName));
        var (width, height) = ImageHeader.ReadSize(imagePath, asfPath, shape.ImageLine);
        var pixels = new float[shape.RelativePoints.Length];
        for (int i = 0; i < pixels.Length; i += 2)
        {
            pixels[i] = shape.RelativePoints[i] * width;
            pixels[i + 1] = shape.RelativePoints[i + 1] * height;
        }
        return new ImmFaceSample(imagePath, width, height, FaceBoxes.WholeImage(width, height), pixels, person, view, gender);
    }
}
