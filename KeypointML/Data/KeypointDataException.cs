namespace KeypointML.Data;

/// <summary>
/// A dataset file is missing or its content is wrong. The message always names the file and, where there is one,
/// the line (and the XML entry or CSV row), then says what is wrong, so a user can open the file and fix it.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed): a missing file and a bad
/// file are both problems with the input files, so callers that already handle file errors catch it, and one dedicated
/// type lets the command-line tool print the message alone, without a stack trace.
/// </remarks>
public sealed class KeypointDataException : IOException
{
    /// <summary>Creates the exception; use <see cref="InFile"/> or <see cref="AtLine"/> to get the standard message.</summary>
    public KeypointDataException(string filePath, int? lineNumber, string? entry, string problem, Exception? inner = null)
        : base(Describe(filePath, lineNumber, entry, problem), inner)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        Entry = entry;
        Problem = problem;
    }

    /// <summary>The file (or folder) at fault.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line at fault, when the problem sits on one line.</summary>
    public int? LineNumber { get; }

    /// <summary>The entry at fault (an XML image, a CSV row's image), when the format has entries.</summary>
    public string? Entry { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>A problem with a file as a whole (missing, empty, badly named).</summary>
    public static KeypointDataException InFile(string filePath, string problem, Exception? inner = null) =>
        new(filePath, null, null, problem, inner);

    /// <summary>A problem on one line of a file, optionally inside a named entry.</summary>
    public static KeypointDataException AtLine(string filePath, int lineNumber, string problem, string? entry = null, Exception? inner = null) =>
        new(filePath, lineNumber, entry, problem, inner);

    private static string Describe(string filePath, int? lineNumber, string? entry, string problem)
    {
        var where = filePath;
        if (lineNumber is int line) where += $", line {line}";
        if (entry is not null) where += $" ({entry})";
        return $"{where}: {problem}";
    }
}
