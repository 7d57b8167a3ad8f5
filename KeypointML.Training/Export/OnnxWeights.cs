using KeypointML.Tooling.Onnx;
using KeypointML.Training.Models;
using Onnx;
using static TorchSharp.torch;

namespace KeypointML.Training.Export;

/// <summary>
/// Reads a shipped model's weights back into the network that exported it, so that a shipped model can be fine-tuned
/// when its run folder (and its TorchSharp checkpoint) is gone: <c>keypointml-train train ... --init-from model.onnx</c>.
/// </summary>
/// <remarks>
/// <para>The exporter names each weight after its layer kind and its order in the graph (<c>conv_w_12</c>,
/// <c>bn_mean_3</c>), so exporting a fresh network of the same architecture names the same weights the same way
/// (<see cref="OnnxGraphBuilder.Sources"/>); each one's value is then read from the file by that name. Float16 weights
/// (<c>ship --half</c>) are read through <see cref="OnnxTensors.MaterializeWeights"/>, so they come back as the float32
/// values ONNX Runtime computes with.</para>
/// <para>A file of another architecture fails on the first weight that is missing or has another shape. Files whose
/// graph was rewritten (<c>ship --int8</c> folds BatchNorm into the convolutions and quantizes) cannot be read back and
/// are refused by the same check. Callers should also compare the network's outputs with the file's
/// (<see cref="OnnxExporter.MaxAbsDifference"/>), which catches what names cannot.</para>
/// </remarks>
public static class OnnxWeights
{
    /// <summary>Copies every weight and BatchNorm statistic of <paramref name="onnxPath"/> into <paramref name="model"/>;
    /// returns how many tensors were copied.</summary>
    public static int LoadInto(KeypointNet model, string onnxPath)
    {
        ModelProto proto;
        using (var stream = File.OpenRead(onnxPath)) proto = ModelProto.Parser.ParseFrom(stream);
        OnnxTensors.MaterializeWeights(proto.Graph);
        var stored = proto.Graph.Initializer.ToDictionary(t => t.Name);

        var g = new OnnxGraphBuilder();
        model.BuildOnnx(g, "input");
        int copied = 0;
        using var noGrad = no_grad();
        foreach (var (name, target) in g.Sources)
        {
            if (!stored.TryGetValue(name, out var value))
                throw new InvalidDataException($"{onnxPath}: no weight '{name}' (shape [{string.Join(", ", target.shape)}]); the file is not a {model.GetType().Name} of this size as exported here (int8 files cannot be read back).");
            if (!value.Dims.SequenceEqual(target.shape))
                throw new InvalidDataException($"{onnxPath}: weight '{name}' has shape [{string.Join(", ", value.Dims)}]; the network's is [{string.Join(", ", target.shape)}].");
            using var source = tensor(OnnxTensors.ReadFloats(value)).reshape(target.shape).to(target.dtype).to(target.device);
            target.copy_(source);
            copied++;
        }
        return copied;
    }
}
