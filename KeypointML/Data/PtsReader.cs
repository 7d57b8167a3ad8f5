namespace KeypointML.Data;

/// <summary>
/// Reads iBUG <c>.pts</c> landmark files: header lines <c>key: value</c> (<c>version: 1</c>, <c>n_points: 68</c>, with
/// varying spaces), then <c>{</c>, one <c>x y</c> line per point, and <c>}</c>.
/// </summary>
/// <remarks>
/// <c>.pts</c> coordinates are 1-based (MATLAB: the first pixel's centre is 1, 1); the result is shifted by -1 to
/// KeypointML's 0-based pixel coordinates, the convention dlib's XML already uses.
/// </remarks>
public static class PtsReader
{
    /// <summary>
    /// The points as x0, y0, x1, y1, ... in 0-based pixel coordinates. When <paramref name="expectedPointCount"/> is
    /// given, a file that declares another count is an error.
    /// </summary>
    public static float[] Read(string ptsPath, int? expectedPointCount = null)
    {
        var lines = DataFiles.ReadAllLines(ptsPath);
        int index = 0;
        int? declared = null;
        int declaredLine = 0;

        while (true)
        {
            if (!TryNextLine(lines, ref index, out var text, out var line))
                throw KeypointDataException.AtLine(ptsPath, lines.Length, "the file ends before the '{' that opens the points (truncated?).");
            if (text == "{") break;
            var colon = text.IndexOf(':');
            if (colon < 0)
                throw KeypointDataException.AtLine(ptsPath, line, $"expected a header line 'key: value' or '{{', found '{text}'.");
            var key = text[..colon].Trim();
            var value = text[(colon + 1)..].Trim();
            if (key == "n_points")
            {
                if (!DataNumbers.TryParseInt(value, out var n) || n < 1)
                    throw KeypointDataException.AtLine(ptsPath, line, $"n_points '{value}' is not a positive integer.");
                declared = n;
                declaredLine = line;
            }
        }

        if (declared is not int count)
            throw KeypointDataException.AtLine(ptsPath, index, "the header has no 'n_points' line before '{'.");
        if (expectedPointCount is int expected && count != expected)
            throw KeypointDataException.AtLine(ptsPath, declaredLine, $"the file declares {count} points, expected {expected}.");

        var points = new float[2 * count];
        for (int p = 0; p < count; p++)
        {
            if (!TryNextLine(lines, ref index, out var text, out var line))
                throw KeypointDataException.AtLine(ptsPath, lines.Length, $"the file ends after {p} of {count} points (truncated?).");
            if (text == "}")
                throw KeypointDataException.AtLine(ptsPath, line, $"'}}' after {p} points; n_points declares {count}.");
            var fields = DataNumbers.SplitFields(text);
            if (fields.Length != 2)
                throw KeypointDataException.AtLine(ptsPath, line, $"expected 'x y' for point {p}, found {fields.Length} fields: '{text}'.");
            for (int axis = 0; axis < 2; axis++)
            {
                if (!DataNumbers.TryParseFinite(fields[axis], out var value))
                    throw KeypointDataException.AtLine(ptsPath, line, $"the {(axis == 0 ? "x" : "y")} of point {p}, '{fields[axis]}', is not a number.");
                points[2 * p + axis] = value - 1f;
            }
        }

        if (!TryNextLine(lines, ref index, out var closing, out var closingLine))
            throw KeypointDataException.AtLine(ptsPath, lines.Length, "the file ends without the closing '}' (truncated?).");
        if (closing != "}")
            throw KeypointDataException.AtLine(ptsPath, closingLine, $"expected '}}' after {count} points, found '{closing}' (more points than n_points declares?).");
        if (TryNextLine(lines, ref index, out var extra, out var extraLine))
            throw KeypointDataException.AtLine(ptsPath, extraLine, $"unexpected content after the closing '}}': '{extra}'.");
        return points;
    }

    /// <summary>The next non-blank line, trimmed, with its 1-based number.</summary>
    private static bool TryNextLine(string[] lines, ref int index, out string text, out int line)
    {
        while (index < lines.Length)
        {
            var trimmed = lines[index++].Trim();
            if (trimmed.Length == 0) continue;
            text = trimmed;
            line = index;
            return true;
        }
        text = "";
        line = lines.Length;
        return false;
    }
}
