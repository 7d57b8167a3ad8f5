using KeypointML.Models;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// Finds the folder of models the tool works on: <c>KEYPOINTML_MODELS</c> when set, else the repository's
/// <c>models/</c> (the folder beside <c>KeypointML.sln</c>, searched upwards from the working directory).
/// </summary>
public static class ModelsFolder
{
    private const string SolutionFile = "KeypointML.sln", FolderName = "models";

    /// <summary>The folder, or null when neither the setting nor a repository is found.</summary>
    public static string? TryFind()
    {
        var configured = Environment.GetEnvironmentVariable(ShippedModels.FolderVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        return RepositoryRoot() is string root ? Path.Combine(root, FolderName) : null;
    }

    /// <summary>The repository root (the folder holding KeypointML.sln) above the working directory, or null.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return dir.FullName;
        return null;
    }

    /// <summary>
    /// The model file a user named: an existing path as it is, else a bare name (<c>imm-nose</c>) looked up as
    /// <c>NAME.onnx</c> in the models folder. Anything else is a missing file, reported with both places tried.
    /// </summary>
    public static string ResolveModel(string given)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(given);
        if (File.Exists(given)) return given;
        bool bareName = given.IndexOfAny(['/', '\\']) < 0 && !given.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        if (bareName && TryFind() is string folder)
        {
            var candidate = Path.Combine(folder, given + ".onnx");
            if (File.Exists(candidate)) return candidate;
            throw new FileNotFoundException($"{given}: no such model file, and no {given}.onnx in {folder}.", given);
        }
        throw new FileNotFoundException($"{given}: model file not found.", given);
    }

    /// <summary>
    /// The small-face model file for a landmark model of <paramref name="landmarkPoints"/> points (<c>--small-face-model</c>;
    /// null or "none": none), by the library's rule (<see cref="Engine.FaceEngineDefaults.UsesSmallFaceModel"/>) with
    /// this folder as the place the default is looked for; null when there is none.
    /// </summary>
    public static string? ResolveSmallFaceModel(string? given, int landmarkPoints)
    {
        string? name = string.Equals(given, "none", StringComparison.OrdinalIgnoreCase) ? null : given;
        return Engine.FaceEngineDefaults.UsesSmallFaceModel(name, landmarkPoints, n => TryFind() is string folder && File.Exists(Path.Combine(folder, n + ".onnx")))
            ? ResolveModel(name!) : null;
    }
}
