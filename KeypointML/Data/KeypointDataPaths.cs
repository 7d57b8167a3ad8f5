namespace KeypointML.Data;

/// <summary>
/// Where the datasets live: the <c>KEYPOINTML_DATA</c> environment variable, else <c>../shared/data</c> when it
/// exists beside the repository (searched upwards from the working directory and from the running assembly).
/// </summary>
public static class KeypointDataPaths
{
    /// <summary>The environment variable that names the data root.</summary>
    public const string EnvironmentVariable = "KEYPOINTML_DATA";
    /// <summary>The IMM Face Database folder under the data root.</summary>
    public const string ImmFolder = "imm_face_db";
    /// <summary>The iBUG 300-W folder under the data root.</summary>
    public const string IbugFolder = "ibug_300w";

    /// <summary>The data root, or null when neither the setting nor a ../shared/data folder is found.</summary>
    public static string? TryFindRoot()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>The data root; throws a message that says how to get the data when it is missing.</summary>
    public static string Root => TryFindRoot() ?? throw new DirectoryNotFoundException(
        $"No keypoint data found: set {EnvironmentVariable} to the folder that holds {ImmFolder}/ and {IbugFolder}/, " +
        "or run 'keypointml fetch-data' to download the IMM Face Database.");

    /// <summary>The IMM Face Database folder.</summary>
    public static string Imm => Path.Combine(Root, ImmFolder);
    /// <summary>The iBUG 300-W folder.</summary>
    public static string Ibug => Path.Combine(Root, IbugFolder);
}
