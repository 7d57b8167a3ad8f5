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
    /// The small-face model for <paramref name="landmarkModelPath"/> (<c>--small-face-model</c>): none for "none", for a
    /// landmark model that does not give 68 points, or for the default name when the models folder lacks it (as
    /// <see cref="Detection.FaceLandmarker.Open"/> does); otherwise the named model, which must exist.
    /// </summary>
    public static string? ResolveSmallFaceModel(string given, string landmarkModelPath)
    {
        if (string.Equals(given, "none", StringComparison.OrdinalIgnoreCase)) return null;
        int points = OnnxSessions.ReadSignature(landmarkModelPath, session => KeypointModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, landmarkModelPath)).KeypointCount;
        if (points != 68) return null;
        if (given == Engine.FaceEngineDefaults.SmallFaceModel && !File.Exists(given) &&
            (TryFind() is not string folder || !File.Exists(Path.Combine(folder, given + ".onnx")))) return null;
        return ResolveModel(given);
    }
}
