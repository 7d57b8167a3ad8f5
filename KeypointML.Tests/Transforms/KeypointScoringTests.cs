using KeypointML.Tooling.Onnx;
using KeypointML.Tooling.Bench;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class KeypointScoringTests
{
    private sealed class Output
    {
        public float[] ModelOutput { get; set; } = [];
    }

    [Test]
    public void GPU_request_falls_back_to_CPU_with_the_same_outputs_and_thread_options_apply()
    {
        using var files = new TestFiles();
        var model = files.Model("conv.onnx", SyntheticOnnxModels.ConvRegressor(32, 32, 3));
        var ml = new MLContext(seed: 1);
        // Images from files: in-memory MLImages pass through ImageAnalytics only once (it disposes them after a cursor).
        var images = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = files.GaussianPng("blob.png", 50, 40, 20, 15, 5) }]);
        var pixels = ml.Transforms.LoadKeypointImages().Append(ml.Transforms.NormalizeGrayscale("Pixels", "Image", 32, 32))
            .Fit(images).Transform(images);

        var cpu = ml.Transforms.ScoreKeypoints(model).Fit(pixels);
        // The CUDA provider cannot start on these machines (STACK.md); with fall-back the model runs on CPU.
        var gpu = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions
        {
            ModelPath = model, GpuDeviceId = 0, FallbackToCpu = true, IntraOpNumThreads = 1, InterOpNumThreads = 1,
        }).Fit(pixels);
        float[] Score(ITransformer t) => ml.Data.CreateEnumerable<Output>(t.Transform(pixels), false).Single().ModelOutput;
        Assert.That(cpu.Model.Metadata.KeypointCount, Is.EqualTo(3));
        Assert.That(Score(cpu), Has.Length.EqualTo(6));
        Assert.That(Score(gpu), Is.EqualTo(Score(cpu)).Within(1e-6f));
        Assert.That(cpu.GetOutputSchema(pixels.Schema)["ModelOutput"].Type, Is.InstanceOf<VectorDataViewType>());
    }
}
