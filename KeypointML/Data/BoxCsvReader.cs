namespace KeypointML.Data;

/// <summary>
/// Reads face boxes without labels from a CSV <c>image,left,top,width,height</c> (one face per row; an optional
/// header row starting with <c>image</c>): the input for running a model on faces found by another detector.
/// </summary>
/// <remarks>
/// Image paths are relative to the CSV's folder. Fields are split on commas without quoting, so image paths must not
/// contain commas. Rows carry no keypoints (<see cref="KeypointSample.Keypoints"/> is empty).
/// </remarks>
public static class BoxCsvReader
{
    private const int FieldCount = 5;

    /// <summary>The rows, in file order; the file is checked now, its rows are read when enumerated.</summary>
    public static IEnumerable<KeypointSample> Read(string csvPath)
    {
        csvPath = Path.GetFullPath(csvPath);
        DataFiles.RequireFile(csvPath);
        return ReadLazily(csvPath);
    }

    private static IEnumerable<KeypointSample> ReadLazily(string csvPath)
    {
        var folder = Path.GetDirectoryName(csvPath)!;
        var lines = DataFiles.ReadAllLines(csvPath);
        for (int i = 0; i < lines.Length; i++)
        {
            int line = i + 1;
            var text = lines[i].Trim();
            if (text.Length == 0) continue;
            var fields = text.Split(',').Select(f => f.Trim()).ToArray();
            if (i == 0 && fields[0].Equals("image", StringComparison.OrdinalIgnoreCase)) continue;
            if (fields.Length != FieldCount)
                throw KeypointDataException.AtLine(csvPath, line, $"expected {FieldCount} fields (image,left,top,width,height), found {fields.Length}.");
            var entry = $"image '{fields[0]}'";
            var box = new float[KeypointSample.BoxLength];
            for (int f = 0; f < box.Length; f++)
            {
                if (!DataNumbers.TryParseFinite(fields[1 + f], out box[f]))
                    throw KeypointDataException.AtLine(csvPath, line, $"the box {Names[f]} '{fields[1 + f]}' is not a number.", entry);
            }
            var imagePath = Path.GetFullPath(Path.Combine(folder, fields[0]));
            var (width, height) = ImageHeader.ReadSize(imagePath, csvPath, line, entry);
            if (FaceBoxes.FindProblem(box[0], box[1], box[2], box[3], width, height) is string problem)
                throw KeypointDataException.AtLine(csvPath, line, problem, entry);
            yield return new KeypointSample(imagePath, width, height, box, []);
        }
    }

    private static readonly string[] Names = ["left", "top", "width", "height"];
}
