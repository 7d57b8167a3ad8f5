namespace KeypointML.Data;

/// <summary>
/// Opening label files with the standard error: a missing or unreadable file becomes a
/// <see cref="KeypointDataException"/> that names it, rather than a bare I/O exception without context.
/// </summary>
internal static class DataFiles
{
    /// <summary>All lines of a text file (label files are small; the images are what must stream).</summary>
    public static string[] ReadAllLines(string path)
    {
        RequireFile(path);
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException e)
        {
            throw KeypointDataException.InFile(path, $"the file cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw KeypointDataException.InFile(path, $"the file cannot be read: {e.Message}", e);
        }
    }

    public static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw KeypointDataException.InFile(path, "the file does not exist.");
    }

    public static void RequireFolder(string path)
    {
        if (!Directory.Exists(path)) throw KeypointDataException.InFile(path, "the folder does not exist.");
    }
}
