using System.Text.Json;
using KeypointML.Data;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Bench;
using Microsoft.ML;

namespace KeypointML.Tests.Transforms;

/// <summary>The per-stage benchmark runs every stage on real faces and reports each one (no timing is asserted).</summary>
public class StageBenchmarkTests
{
    [Test]
    public void Stages_AreAllMeasured_AndTheJsonHasTheTotal()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var faces = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmValidation).Rows.Take(2).ToList();
        var times = StageBenchmark.Run(RepositoryFiles.Model("imm-nose"), faces, repeats: 1, threads: 1, detectorPath: RepositoryFiles.Model("blazeface-front"));
        double[] all = [times.DecodeJpeg, times.Preprocess, times.Model1, times.ModelBatched, times.DecodeOutput, times.Total, times.Detector!.Value];
        Assert.That(all, Has.All.GreaterThan(0));
        var json = JsonDocument.Parse(times.ToJson()).RootElement;
        Assert.That(json.GetProperty("msPerFaceTotal").GetDouble(), Is.EqualTo(times.Total));
        Assert.That(json.GetProperty("faces").GetInt32(), Is.EqualTo(2));
    }
}
