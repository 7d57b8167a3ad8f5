using System.Globalization;

namespace KeypointML.Data;

/// <summary>
/// Number parsing shared by the readers: invariant culture (a German locale must not turn "0.5" into 5), and only
/// finite values, because NaN or infinity in a label file is always a mistake.
/// </summary>
internal static class DataNumbers
{
    public static bool TryParseFinite(string text, out float value) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    public static bool TryParseInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    /// <summary>Splits a line on any run of whitespace (spaces and tabs are mixed in the IMM files).</summary>
    public static string[] SplitFields(string line) =>
        line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
