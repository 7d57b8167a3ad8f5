using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Cli;

/// <summary><c>keypointml ship --shape-prior</c>: fits the prior from the training faces, chooses its noise scale on the
/// held-out ones and prints every candidate; a recalibration without a new prior drops the old one and says so.</summary>
public class ShipShapePriorTests
{
    [Test]
    public void Shipping_the_fast_model_with_a_shape_prior_prints_the_candidates_and_records_the_best()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var folder = new TempFolder();
        string source = RepositoryFiles.Model("ibug68-fast");
        var run = CliRun.Of("ship", "--model", source, "--name", "fast", "--models", folder.Path, "--shape-prior", KeypointDatasets.IbugFit,
            "--shape-prior-select", KeypointDatasets.IbugValidation);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        // The shipped model's card: without 3.421%, best at noise 0.1 (3.336%).
        Assert.That(run.Out, Does.Contain("shape prior fitted on 1098 faces of ibug-fit; NME_io on 122 faces of ibug-val: without 3.421%")
            .And.Contain("noise 0.1 3.336%").And.Contain("recorded: noise 0.1").And.Contain("with a shape prior"));
        using var shipped = KeypointModel.Open(Path.Combine(folder.Path, "fast.onnx"));
        using var original = KeypointModel.Open(source);
        Assert.That(shipped.Metadata.ShapePrior, Is.Not.Null);
        // Fitted again from the same model's points (its own prior left out), the same numbers to float precision.
        var a = shipped.Metadata.ShapePrior!.Gain.ToArray();
        var b = original.Metadata.ShapePrior!.Gain.ToArray();
        Assert.That(a.Zip(b).Max(t => Math.Abs(t.First - t.Second)), Is.LessThan(1e-5));

        var recalibrated = CliRun.Of("ship", "--model", source, "--name", "fast2", "--models", folder.Path, "--calibrate", KeypointDatasets.IbugFit);
        Assert.That(recalibrated.Code, Is.EqualTo(0), recalibrated.ToString());
        Assert.That(recalibrated.Out, Does.Contain("shape prior is dropped"));
        using (var dropped = KeypointModel.Open(Path.Combine(folder.Path, "fast2.onnx"))) Assert.That(dropped.Metadata.ShapePrior, Is.Null);

        var half = CliRun.Of("ship", "--model", source, "--name", "fast3", "--models", folder.Path, "--shape-prior", KeypointDatasets.IbugFit);
        Assert.That(half.Code, Is.EqualTo(1));
        Assert.That(half.Err, Does.Contain("--shape-prior and --shape-prior-select go together"));
        Assert.That(File.Exists(Path.Combine(folder.Path, "fast3.onnx")), Is.False);
    }
}
