namespace KeypointML.Tooling.Report;

/// <summary>
/// Writes a folder as a whole: everything goes into a temporary sibling folder, which then takes the target's place, so
/// a reader never sees a half-written report (and a failed run leaves the previous report as it was).
/// </summary>
public static class ReportFolder
{
    public const string IndexFile = "index.html";

    /// <summary>Fills a temporary folder through <paramref name="fill"/>, then moves it to <paramref name="target"/>.</summary>
    public static T Write<T>(string target, Func<string, T> fill)
    {
        target = Path.GetFullPath(target.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        CheckReplaceable(target);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            var result = fill(staging);
            if (Directory.Exists(target))
            {
                var old = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
                Directory.Move(target, old);
                Directory.Move(staging, target);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(staging, target);
            }
            return result;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Only an absent folder, an empty one or an earlier report may be replaced: a mistyped --out must not
    /// delete someone's files.</summary>
    private static void CheckReplaceable(string target)
    {
        if (File.Exists(target)) throw new ArgumentException($"--out {target} is a file; give a folder for the report.");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, IndexFile)))
            throw new ArgumentException($"--out {target} is a folder that holds no report ({IndexFile}); it is not replaced. Choose a new or empty folder.");
    }
}
