using KeypointML.Data;

namespace KeypointML.Tests.Data;

/// <summary>Paths of the real files the data tests read (from the data root, never copied into the repository).</summary>
internal static class DataFixtures
{
    public static string ImmFolder => KeypointDataPaths.Imm;
    public static string ImmAsf(string name) => Path.Combine(KeypointDataPaths.Imm, name + ".asf");
    public static string ImmJpg(string name) => Path.Combine(KeypointDataPaths.Imm, name + ".jpg");
    public static string IbugTrainXml => Path.Combine(KeypointDataPaths.Ibug, KeypointDatasets.IbugTrainXmlFile);
    public static string IbugTestXml => Path.Combine(KeypointDataPaths.Ibug, KeypointDatasets.IbugTestXmlFile);

    /// <summary>The first face of the training XML, whose values the tests know.</summary>
    public const string FirstIbugImage = "afw/1051618982_1.jpg";

    /// <summary>Splits like the readers do: on any run of whitespace.</summary>
    public static string[] Fields(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The 0-based index of the .asf line that holds point <paramref name="point"/>.</summary>
    public static int AsfPointLineIndex(string[] lines, int point) =>
        Array.FindIndex(lines, l => !l.TrimStart().StartsWith('#') && Fields(l) is { Length: >= 7 } f && f[4] == point.ToString());

    /// <summary>Asserts the exception names the file and the 1-based line.</summary>
    public static void AssertNamesFileAndLine(KeypointDataException e, string file, int line)
    {
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(Path.GetFileName(file)));
        Assert.That(e.Message, Does.Contain($"line {line}"));
        Assert.That(e.LineNumber, Is.EqualTo(line));
    }
}
