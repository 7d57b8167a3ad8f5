using System.Globalization;
using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Report;
using Microsoft.ML;

namespace KeypointML.Tests.Report;

/// <summary>The peers' CSVs become per-face NMEs through the project's error core (labels as predictions: 0; a missed
/// face in an end-to-end file: infinity).</summary>
public class PeerCurvesTests
{
    [Test]
    public void PeerCsvs_GiveTheFacesNmes_AndMissesAreInfinite()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var test = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.IbugTest).Rows.Take(3).ToList();
        using var folder = new TempFolder();
        string Row(KeypointSample s, float dx) => Path.GetRelativePath(KeypointDataPaths.Ibug, s.ImagePath).Replace('\\', '/') + "," +
            string.Join(",", s.Keypoints.Select((v, i) => (i % 2 == 0 ? v + dx : v).ToString(CultureInfo.InvariantCulture)));
        string header = "image," + string.Join(",", Enumerable.Range(0, 68).Select(i => $"x{i},y{i}"));
        File.WriteAllLines(Path.Combine(folder.Path, "faceapi_full_labels_ibug_300W_test.csv"), [header, .. test.Select(s => Row(s, 0))]);
        File.WriteAllLines(Path.Combine(folder.Path, "dlib_e2e_labels_ibug_300W_test.csv"), [header, Row(test[0], 2), Row(test[1], 0)]);
        var curves = PeerCurves.Read(folder.Path, test).ToDictionary(c => c.Name, c => c.Nmes);
        Assert.That(curves.Keys, Is.EquivalentTo(new[] { "face-api landmark68", "dlib HOG detector + ERT (end to end)" }));
        Assert.That(curves["face-api landmark68"], Is.EqualTo(new[] { 0.0, 0.0, 0.0 }));
        var e2e = curves["dlib HOG detector + ERT (end to end)"];
        double iod = Math.Sqrt(Math.Pow(test[0].Keypoints[72] - test[0].Keypoints[90], 2) + Math.Pow(test[0].Keypoints[73] - test[0].Keypoints[91], 2));
        Assert.That(e2e[0], Is.EqualTo(2 / iod).Within(1e-6), "every point 2 px off in x");
        Assert.That(e2e[1], Is.EqualTo(0));
        Assert.That(double.IsPositiveInfinity(e2e[2]), Is.True, "the third face has no row: a miss");
    }
}
