using KeypointML.Tooling.Onnx;
using KeypointML.Tooling.Bench;

namespace KeypointML.Tests.Transforms;

public class ScoringBenchmarkTests
{
    [Test]
    public void Benchmark_runs_all_four_paths_on_a_small_model()
    {
        using var files = new TestFiles();
        var model = files.Model("small.onnx", SyntheticOnnxModels.ConvRegressor(64, 64, 5));
        var result = ScoringBenchmark.Run(model, images: 16, batchSize: 4, repeats: 1);
        Assert.That(new[] { result.DirectBatch, result.PipelineBatch, result.DirectSingle, result.PipelineSingle }.Select(t => t.ImagesPerSecond),
            Has.All.GreaterThan(0));
        Assert.That(result.ToString(), Does.Contain("ratio"));
    }

    /// <summary>The real-size measurement (1x224x224, 68 points); run on demand: it takes about a minute.</summary>
    [Test, Explicit("benchmark")]
    public void Benchmark_real_size_model()
    {
        var result = ScoringBenchmark.Run(images: 128, batchSize: 16, repeats: 3);
        TestContext.Out.WriteLine(result);
    }
}
