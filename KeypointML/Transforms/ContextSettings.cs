using System.Reflection;
using KeypointML.Models;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace KeypointML.Transforms;

/// <summary>
/// What the <see cref="MLContext"/> behind a catalog says about devices (<see cref="MLContext.GpuDeviceId"/>,
/// <see cref="MLContext.FallbackToCpu"/>), and its log: the sessions KeypointML opens follow the context as ML.NET's own
/// OnnxTransformer does, and say on <see cref="MLContext.Log"/> where they run.
/// </summary>
/// <remarks>
/// Why reflection: ML.NET hands a catalog extension method the catalog, not the context; the context's environment sits
/// in the catalog's private <c>_env</c> field, and its device settings behind the internal <c>IHostEnvironmentInternal</c>
/// (ML.NET 5.0.1). Both are read defensively: if a later ML.NET moves them, the context's settings are not seen (the
/// options' own <c>GpuDeviceId</c> still works) and a test on this version fails loudly.
/// </remarks>
internal static class ContextSettings
{
    private static readonly FieldInfo? EnvField = typeof(TransformsCatalog).GetField("_env", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>The context's environment, or null when this ML.NET version hides it elsewhere.</summary>
    public static IHostEnvironment? Environment(TransformsCatalog catalog) => EnvField?.GetValue(catalog) as IHostEnvironment;

    /// <summary>The context's GPU device and fallback setting (null device = CPU, or not readable).</summary>
    public static (int? GpuDeviceId, bool FallbackToCpu) Device(TransformsCatalog catalog)
    {
        var env = Environment(catalog);
        var internalInterface = env?.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == "Microsoft.ML.Runtime.IHostEnvironmentInternal");
        if (env is null || internalInterface is null) return (null, false);
        var gpu = internalInterface.GetProperty("GpuDeviceId")?.GetValue(env) as int?;
        var fallback = internalInterface.GetProperty("FallbackToCpu")?.GetValue(env) as bool? ?? false;
        return (gpu, fallback);
    }

    /// <summary><paramref name="options"/>, taking the context's GPU device when the options name none (and give no
    /// session options of their own).</summary>
    public static KeypointModelOptions WithContextDevice(TransformsCatalog catalog, KeypointModelOptions options)
    {
        if (options.GpuDeviceId is not null || options.SessionOptions is not null) return options;
        var (gpu, fallback) = Device(catalog);
        if (gpu is null) return options;
        return new KeypointModelOptions
        {
            GpuDeviceId = gpu, FallbackToCpu = fallback, IntraOpNumThreads = options.IntraOpNumThreads, InterOpNumThreads = options.InterOpNumThreads,
        };
    }

    /// <summary>Writes "component: model runs on device" to the context's log (<see cref="MLContext.Log"/>, kind Info).</summary>
    public static void LogDevice(TransformsCatalog catalog, string component, string model, string device)
    {
        if (Environment(catalog) is not { } env) return;
        using var channel = env.Start("KeypointML");
        channel.Info(MessageSensitivity.None, $"{component}: {model} runs on {device}");
    }
}
