using Microsoft.ML.OnnxRuntime;

namespace KeypointML.Models;

/// <summary>How <see cref="KeypointModel.Open"/> sets up its ONNX Runtime session.</summary>
public sealed class KeypointModelOptions
{
    /// <summary>
    /// The caller's own ONNX Runtime session options (execution providers, graph optimization, threads). When set, they
    /// are used as given and the device and thread settings below are ignored; the caller keeps ownership.
    /// </summary>
    public SessionOptions? SessionOptions { get; set; }
    /// <summary>CUDA device to run on; null = CPU.</summary>
    public int? GpuDeviceId { get; set; }
    /// <summary>Whether to run on CPU when the CUDA provider cannot be created (true by default).</summary>
    public bool FallbackToCpu { get; set; } = true;
    /// <summary>ONNX Runtime threads inside one operator; null = ONNX Runtime's default.</summary>
    public int? IntraOpNumThreads { get; set; }
    /// <summary>ONNX Runtime threads across operators; null = ONNX Runtime's default.</summary>
    public int? InterOpNumThreads { get; set; }
}
