namespace KeypointML.Models;

/// <summary>
/// Opens the models KeypointML ships (imm-nose, imm-face58, ibug68-resnet18, ibug68-heatmap, ...) by name.
/// Each model's package (<c>KeypointML.Models.NAME</c>, or the bundle <c>KeypointML.Models</c>) copies it to <c>keypointml-models/NAME.onnx</c> next to the application's
/// assembly; the environment variable <c>KEYPOINTML_MODELS</c> points elsewhere (e.g. the repository's <c>models/</c>).
/// </summary>
public static class ShippedModels
{
    /// <summary>Folder under the application's base directory that the model packages (KeypointML.Models.NAME) fill.</summary>
    public const string FolderName = "keypointml-models";

    /// <summary>Environment variable naming a models folder to use instead of the one next to the application.</summary>
    public const string FolderVariable = "KEYPOINTML_MODELS";

    /// <summary>The folder searched: <c>KEYPOINTML_MODELS</c> when set, else <c>keypointml-models</c> next to the application.</summary>
    public static string Folder => Catalog().Folder;

    /// <summary>The names of the shipped models found, sorted; empty when the models package is not referenced.</summary>
    public static IReadOnlyList<string> Names => Catalog().Names;

    /// <summary>The full path of the ONNX file of the shipped model <paramref name="name"/>, e.g. "imm-nose".</summary>
    /// <exception cref="FileNotFoundException">The name is unknown (the message lists the known names) or no models are there.</exception>
    public static string Path(string name) => Catalog().Path(name);

    // Read on each call rather than cached: the folder may be filled or the variable set after first use.
    private static ShippedModelFolder Catalog()
    {
        string? fromVariable = Environment.GetEnvironmentVariable(FolderVariable);
        return string.IsNullOrWhiteSpace(fromVariable)
            ? new ShippedModelFolder(System.IO.Path.Combine(AppContext.BaseDirectory, FolderName), $"next to the application ({FolderName}/)")
            : new ShippedModelFolder(fromVariable, $"from {FolderVariable}");
    }
}
