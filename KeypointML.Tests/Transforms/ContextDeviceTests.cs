using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Transforms;

/// <summary>The context's GpuDeviceId/FallbackToCpu reach every session KeypointML opens, and the device each session
/// runs on is told on MLContext.Log and by the model's Device.</summary>
public class ContextDeviceTests
{
    [Test]
    public void The_contexts_GPU_request_reaches_the_sessions_and_the_device_used_is_logged()
    {
        // This machine's ONNX Runtime is the CPU build: a CUDA request falls back, and the model says so.
        var ml = new MLContext(seed: 0) { GpuDeviceId = 0, FallbackToCpu = true };
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Source == "KeypointML") lock (log) log.Add(e.Message); };

        var detect = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("imm-nose"));
        Assert.That(detect.Model.Device, Is.EqualTo("CPU (CUDA:0 asked for, not available)"));
        var faces = ml.Transforms.DetectFaces(RepositoryFiles.Model("blazeface-front"));
        Assert.That(faces.Detector.Device, Is.EqualTo("CPU (CUDA:0 asked for, not available)"));
        Assert.That(log, Has.Some.Contains("DetectKeypoints: imm-nose.onnx runs on CPU (CUDA:0 asked for, not available)"));
        Assert.That(log, Has.Some.Contains("DetectFaces: blazeface-front.onnx runs on CPU"));

        // Without fall-back the context's request is refused with what to install, as ML.NET's own OnnxTransformer refuses.
        var strict = new MLContext(seed: 0) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.Throws<InvalidOperationException>(() => strict.Transforms.ScoreKeypoints(RepositoryFiles.Model("imm-nose")));
        Assert.That(e!.Message, Does.Contain("Microsoft.ML.OnnxRuntime.Gpu"));

        // A plain context runs on CPU and says so.
        Assert.That(new MLContext(seed: 0).Transforms.DetectKeypoints(RepositoryFiles.Model("imm-nose")).Model.Device, Is.EqualTo("CPU"));
    }
}
