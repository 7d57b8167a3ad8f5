namespace KeypointML.Tests.Data;

/// <summary>A fresh folder under the system temp directory for broken copies of data files; deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "keypointml-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes lines (LF endings, as the originals) to a file in the folder and returns its full path.</summary>
    public string WriteLines(string name, IEnumerable<string> lines)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, string.Join("\n", lines) + "\n");
        return file;
    }

    /// <summary>Copies a file into the folder under the same or a new name and returns the copy's path.</summary>
    public string Copy(string source, string? name = null)
    {
        var file = System.IO.Path.Combine(Path, name ?? System.IO.Path.GetFileName(source));
        File.Copy(source, file);
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}
