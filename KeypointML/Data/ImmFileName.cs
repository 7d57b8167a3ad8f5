using System.Text.RegularExpressions;

namespace KeypointML.Data;

/// <summary>
/// Person, view and gender as the IMM file names encode them (<c>PP-Vg</c>, e.g. <c>01-1m.asf</c>): the database
/// keeps this information nowhere else, and the standard split is by person.
/// </summary>
internal static partial class ImmFileName
{
    [GeneratedRegex(@"^(?<person>\d{2})-(?<view>[1-9])(?<gender>[mf])$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static (int Person, int View, string Gender) Parse(string asfPath)
    {
        var match = Pattern().Match(Path.GetFileNameWithoutExtension(asfPath));
        if (!match.Success)
            throw KeypointDataException.InFile(asfPath,
                "the file name does not follow the IMM pattern PP-Vg.asf (person 01-40, view 1-6, gender m or f), e.g. 01-1m.asf.");
        var person = int.Parse(match.Groups["person"].ValueSpan);
        if (person < 1)
            throw KeypointDataException.InFile(asfPath, $"the person number in the file name must be at least 1, found {person}.");
        return (person, int.Parse(match.Groups["view"].ValueSpan), match.Groups["gender"].Value);
    }
}
