namespace KeypointML.Data;

/// <summary>
/// The content of one IMM <c>.asf</c> (AAM shape file): the relative point coordinates and the host image name,
/// parsed by the file's own structure rather than by fixed line numbers, so any comment layout reads the same.
/// </summary>
/// <remarks>
/// Layout: comment lines (<c>#</c>) and blank lines anywhere; the first other line is the point count; then one line
/// per point, <c>path type x_rel y_rel point_index connects_from connects_to</c>, separated by any whitespace and
/// optionally followed by three user columns (41 IMM files have them); the last other line is the host image file name.
/// </remarks>
/// <param name="RelativePoints">x0, y0, x1, y1, ... as fractions of the image width and height.</param>
/// <param name="ImageFileName">The host image file name, relative to the .asf's folder.</param>
/// <param name="ImageLine">The 1-based line of the host image name (for errors about the image).</param>
internal sealed record ImmAsfFile(float[] RelativePoints, string ImageFileName, int ImageLine)
{
    private const int PointFields = 7;
    private const int PointFieldsWithUserColumns = 10;

    public static ImmAsfFile Read(string path, int expectedPointCount)
    {
        var lines = DataFiles.ReadAllLines(path);
        int index = 0;

        var (countText, countLine) = NextContentLine(path, lines, ref index, "the point count");
        if (!DataNumbers.TryParseInt(countText.Trim(), out var count))
            throw KeypointDataException.AtLine(path, countLine, $"expected the point count, found '{countText.Trim()}'.");
        if (count != expectedPointCount)
            throw KeypointDataException.AtLine(path, countLine, $"the file declares {count} points; IMM files have {expectedPointCount}.");

        var points = new float[2 * count];
        for (int p = 0; p < count; p++)
        {
            var (text, line) = NextContentLine(path, lines, ref index, $"point {p} of {count}");
            ReadPoint(path, line, DataNumbers.SplitFields(text), p, points);
        }

        var (imageName, imageLine) = NextContentLine(path, lines, ref index, "the host image file name");
        imageName = imageName.Trim();
        if (DataNumbers.SplitFields(imageName).Length != 1)
            throw KeypointDataException.AtLine(path, imageLine,
                $"expected the host image file name after {count} points, found '{imageName}' (more point lines than the declared {count}?).");

        if (TryNextContentLine(lines, ref index, out var extra, out var extraLine))
            throw KeypointDataException.AtLine(path, extraLine, $"unexpected content after the host image file name: '{extra.Trim()}'.");

        return new ImmAsfFile(points, imageName, imageLine);
    }

    private static void ReadPoint(string path, int line, string[] fields, int pointIndex, float[] points)
    {
        if (fields.Length != PointFields && fields.Length != PointFieldsWithUserColumns)
            throw KeypointDataException.AtLine(path, line,
                $"expected {PointFields} fields (path type x y point connects_from connects_to, optionally 3 user columns) for point {pointIndex}, found {fields.Length}.");
        if (!DataNumbers.TryParseInt(fields[4], out var declaredIndex))
            throw KeypointDataException.AtLine(path, line, $"the point index '{fields[4]}' is not an integer.");
        if (declaredIndex != pointIndex)
            throw KeypointDataException.AtLine(path, line, $"expected point {pointIndex}, found point {declaredIndex}.");
        for (int axis = 0; axis < 2; axis++)
        {
            var text = fields[2 + axis];
            var name = axis == 0 ? "x" : "y";
            if (!DataNumbers.TryParseFinite(text, out var value))
                throw KeypointDataException.AtLine(path, line, $"the relative {name} of point {pointIndex}, '{text}', is not a number.");
            if (value < 0f || value > 1f)
                throw KeypointDataException.AtLine(path, line, $"the relative {name} of point {pointIndex}, {text}, lies outside 0..1.");
            points[2 * pointIndex + axis] = value;
        }
    }

    private static (string Text, int Line) NextContentLine(string path, string[] lines, ref int index, string expected)
    {
        if (TryNextContentLine(lines, ref index, out var text, out var line)) return (text, line);
        throw KeypointDataException.AtLine(path, lines.Length, $"the file ends before {expected} (truncated?).");
    }

    private static bool TryNextContentLine(string[] lines, ref int index, out string text, out int line)
    {
        while (index < lines.Length)
        {
            var candidate = lines[index++];
            var trimmed = candidate.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            text = candidate;
            line = index;
            return true;
        }
        text = "";
        line = lines.Length;
        return false;
    }
}
