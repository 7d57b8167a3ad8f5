using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Report;

namespace KeypointML.Tests.Detection;

/// <summary>The report's end-to-end figures: the shipped detector and 68-point model on real test crops.</summary>
public class EndToEndMeasurementTests
{
    [Test]
    public void ShippedDetectorAndModel_MatchEveryFace_AndTheReportShowsThem()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var result = EndToEndMeasurement.Measure(RepositoryFiles.Model("blazeface-front"), RepositoryFiles.Model("ibug68-heatmap"), KeypointDatasets.IbugTest, limit: 8);
        Assert.That(result.Problem, Is.Null);
        Assert.That((result.Labelled, result.Matched), Is.EqualTo((8, 8)));
        Assert.That(result.Metrics!.NmeInterOcular, Is.LessThan(0.05), "the 8 first test faces end to end");
        Assert.That(result.FailureRate, Is.EqualTo(0));

        var html = ReportHtml.Render([], new ReportContext("models", null, DateTime.UtcNow, "test"), [result]);
        Assert.That(html, Does.Contain("id=\"e2e-ibug68-heatmap\""));
        Assert.That(html, Does.Contain("<td>blazeface-front</td>"));
    }
}
