namespace KeypointML.Tests.Data;

/// <summary>
/// Photos without a human face, from Debian's opencv-doc package (examples/data): the negatives of the detector issue.
/// Never committed; <c>.ci/run</c> fetches the package and sets <see cref="Variable"/>.
/// </summary>
internal static class FaceFreePhotos
{
    public const string Variable = "KEYPOINTML_FACE_FREE";

    public const string Hint = "set KEYPOINTML_FACE_FREE to opencv-doc's usr/share/doc/opencv-doc/examples/data: apt-get download opencv-doc && dpkg -x opencv-doc_*.deb DIR, or run .ci/run";

    public static readonly string[] Files =
    [
        "fruits.jpg", "building.jpg", "board.jpg", "baboon.jpg", "apple.jpg", "orange.jpg", "butterfly.jpg", "HappyFish.jpg",
        "starry_night.jpg", "home.jpg", "aero1.jpg", "aero3.jpg", "leuvenA.jpg", "leuvenB.jpg", "squirrel_cls.jpg",
        "text_defocus.jpg", "text_motion.jpg", "stuff.jpg", "pca_test1.jpg", "ellipses.jpg", "licenseplate_motion.jpg",
        "Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg",
    ];

    /// <summary>The folder holding all of <see cref="Files"/>; null when <see cref="Variable"/> is not set (a developer
    /// machine without them). Set but incomplete is an error, so CI cannot skip the test by accident.</summary>
    public static string? Folder()
    {
        var folder = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(folder)) return null;
        var missing = Files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0) throw new FileNotFoundException($"{Variable}={folder} lacks {string.Join(", ", missing)} ({Hint}).");
        return folder;
    }
}
