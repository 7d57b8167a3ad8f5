using KeypointML.Data;

namespace KeypointML.Tests.Data;

public class PtsReaderTests
{
    [TestCase("n_points:  68")]
    [TestCase("n_points: 68")]
    [TestCase("n_points:68")]
    public void HeaderSpacing_DoesNotMatter(string header)
    {
        using var temp = new TempFolder();
        var original = File.ReadAllLines(Path.Combine(KeypointDataPaths.Ibug, Path.ChangeExtension(DataFixtures.FirstIbugImage, ".pts")));
        var copy = temp.WriteLines("face.pts", original.Select(l => l.StartsWith("n_points") ? header : l));

        var points = PtsReader.Read(copy, 68);

        Assert.That(points, Has.Length.EqualTo(136));
        Assert.That((points[0], points[1]), Is.EqualTo((111.368101f, 154.927730f)).Using<(float, float)>((a, b) =>
            Math.Abs(a.Item1 - b.Item1) < 1e-4f && Math.Abs(a.Item2 - b.Item2) < 1e-4f));
    }

    [Test]
    public void Coordinates_AreShiftedFromOneBasedToZeroBased()
    {
        using var temp = new TempFolder();
        var file = temp.WriteLines("two.pts", ["version: 1", "n_points: 2", "{", "1 1", "10.5 3", "}"]);

        Assert.That(PtsReader.Read(file), Is.EqualTo(new[] { 0f, 0f, 9.5f, 2f }));
    }
}
