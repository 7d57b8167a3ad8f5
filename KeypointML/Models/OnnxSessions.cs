using Microsoft.ML.OnnxRuntime;

namespace KeypointML.Models;

/// <summary>How every ONNX Runtime session the library opens is made, for keypoint models and face detectors alike, from
/// one <see cref="KeypointModelOptions"/>.</summary>
internal static class OnnxSessions
{
    /// <summary>The log level of the sessions the library makes: errors only. ONNX Runtime's default also prints warnings
    /// such as "Removing initializer ... It is not used by any node" for the shipped detector, on every open, to the
    /// application's stderr; they say nothing a user can act on. A caller's own SessionOptions keep their level.</summary>
    public const OrtLoggingLevel Quiet = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;

    /// <summary>Answers a question about a model file from its signature and metadata alone: a session without graph
    /// optimization, closed again at once (what kind of model it is, before opening it for work).</summary>
    public static T ReadSignature<T>(string path, Func<InferenceSession, T> read)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = Quiet };
        using var session = new InferenceSession(path, options);
        return read(session);
    }

    // The rule of ML.NET's OnnxTransformer: a CUDA session when a device is asked for; if that fails and fall-back is on,
    // a CPU session. Thread counts apply to the CPU session (ML.NET applies them only there too).
    /// <summary>The session for <paramref name="path"/>, the options it owns (disposed with the session; null for the
    /// caller's) and where it runs ("CPU", "CUDA:N", or "caller's session options").</summary>
    public static (InferenceSession Session, SessionOptions? Owned, string Device) Create(string path, KeypointModelOptions options)
    {
        try
        {
            if (options.SessionOptions is { } given) return (new InferenceSession(path, given), null, "caller's session options");
            if (options.GpuDeviceId is int gpu)
            {
                SessionOptions? cuda = null;
                try
                {
                    cuda = SessionOptions.MakeSessionOptionWithCudaProvider(gpu);
                    cuda.LogSeverityLevel = Quiet;
                    return (new InferenceSession(path, cuda), cuda, $"CUDA:{gpu}");
                }
                catch (OnnxRuntimeException) when (options.FallbackToCpu)
                {
                    cuda?.Dispose();
                }
                // The CPU build of ONNX Runtime (the package KeypointML references) has no CUDA entry point at all.
                catch (EntryPointNotFoundException) when (options.FallbackToCpu)
                {
                    cuda?.Dispose();
                }
                catch (EntryPointNotFoundException e)
                {
                    cuda?.Dispose();
                    throw new InvalidOperationException($"{path}: GPU device {gpu} was asked for without fall-back, but this ONNX Runtime build has no CUDA provider; add the package Microsoft.ML.OnnxRuntime.Gpu.Linux (or .Windows) 1.31.0 to the application.", e);
                }
            }
            var cpu = new SessionOptions
            {
                IntraOpNumThreads = options.IntraOpNumThreads.GetValueOrDefault(),
                InterOpNumThreads = options.InterOpNumThreads.GetValueOrDefault(),
                LogSeverityLevel = Quiet,
            };
            // A GPU that was asked for and fell back says so: the caller learns that its device setting was seen.
            string device = options.GpuDeviceId is int asked ? $"CPU (CUDA:{asked} asked for, not available)" : "CPU";
            try { return (new InferenceSession(path, cpu), cpu, device); }
            catch
            {
                cpu.Dispose();
                throw;
            }
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message.Trim()}).", e);
        }
    }
}
