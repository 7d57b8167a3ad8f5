namespace KeypointML.Tests.Data;

/// <summary>Files of this repository (the shipped models, the README) as seen from a test run.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding KeypointML.sln, searched upwards from the test assembly.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KeypointML.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No KeypointML.sln above {TestContext.CurrentContext.TestDirectory}.");
    }

    /// <summary>The names of the shipped keypoint models (models/*.onnx without the face detectors), in name order.</summary>
    public static IEnumerable<string> KeypointModelNames() =>
        Directory.EnumerateFiles(Path.Combine(Root(), "models"), "*.onnx")
            .Where(f => !KeypointML.Detection.FaceDetectorModel.IsFaceDetector(f))
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    /// <summary>A shipped model file, models/NAME.onnx.</summary>
    public static string Model(string name) => Path.Combine(Root(), "models", name + ".onnx");

    /// <summary>Runs <paramref name="body"/> with KEYPOINTML_MODELS at this repository's models/, as the KeypointML.Models
    /// package gives an application. The variable is process-wide: callers are <c>NonParallelizable</c>.</summary>
    public static T WithRepositoryModels<T>(Func<T> body) => WithModelsFolder(Path.Combine(Root(), "models"), body);

    /// <summary>Runs <paramref name="body"/> with KEYPOINTML_MODELS at <paramref name="folder"/>, then restores it.</summary>
    public static T WithModelsFolder<T>(string folder, Func<T> body)
    {
        string? before = Environment.GetEnvironmentVariable(KeypointML.Models.ShippedModels.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(KeypointML.Models.ShippedModels.FolderVariable, folder);
            return body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(KeypointML.Models.ShippedModels.FolderVariable, before);
        }
    }
}
