namespace KeypointML.Models;

/// <summary>
/// One folder of shipped models (<c>NAME.onnx</c>): lists them and resolves a name to a file, with errors that say
/// what is there and how to get the models. Separate from <see cref="ShippedModels"/> so it can be tested on any folder.
/// </summary>
internal sealed class ShippedModelFolder
{
    private const string Extension = ".onnx";

    /// <param name="folder">The folder holding NAME.onnx files.</param>
    /// <param name="howFound">How the folder was chosen, for error messages (e.g. "from KEYPOINTML_MODELS").</param>
    public ShippedModelFolder(string folder, string howFound)
    {
        Folder = System.IO.Path.GetFullPath(folder);
        HowFound = howFound;
    }

    public string Folder { get; }

    public string HowFound { get; }

    public IReadOnlyList<string> Names => Directory.Exists(Folder)
        ? Directory.EnumerateFiles(Folder, "*" + Extension)
            .Select(f => System.IO.Path.GetFileNameWithoutExtension(f))
            .Order(StringComparer.Ordinal)
            .ToArray()
        : [];

    public string Path(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // A name is a file name without extension; anything path-like would let a caller reach outside the folder.
        if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a shipped model name (names look like 'imm-nose'; pass a file path to the scoring API instead).", nameof(name));

        string file = System.IO.Path.Combine(Folder, name + Extension);
        if (File.Exists(file))
            return file;

        var names = Names;
        if (names.Count == 0)
            throw new FileNotFoundException(
                $"No shipped KeypointML models in {Folder} ({HowFound}). Add the model's package to the application " +
                $"(dotnet add package KeypointML.Models.{name}, or the bundle KeypointML.Models), or set {ShippedModels.FolderVariable} to a folder of NAME.onnx files.", file);
        throw new FileNotFoundException(
            $"No shipped KeypointML model named '{name}' in {Folder} ({HowFound}). Available: {string.Join(", ", names)}. " +
            $"A shipped model comes with its package KeypointML.Models.NAME.", file);
    }
}
