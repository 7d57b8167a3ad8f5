using KeypointML.Tooling.Files;
using Google.Protobuf;
using KeypointML.Models;
using KeypointML.Training.Models;
using KeypointML.Training.Training;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using Onnx;
using static TorchSharp.torch;

namespace KeypointML.Training.Export;

/// <summary>
/// Writes a <see cref="KeypointNet"/> as an ONNX model (IR version 8, opset 17, input <c>input</c> float [N,1,H,W] with a
/// symbolic batch dimension, output <c>output</c>, raw float initializers, metadata_props from
/// <see cref="KeypointModelMetadata.ToProperties"/>), and checks it against the TorchSharp network in ONNX Runtime.
/// </summary>
public static class OnnxExporter
{
    public const long IrVersion = 8;
    public const long Opset = 17;

    /// <summary>Builds the ONNX model in memory from the network's current weights (eval semantics: no dropout, BN running stats).</summary>
    public static ModelProto Build(KeypointNet model, KeypointModelMetadata metadata)
    {
        if (metadata.InputHeight != model.InputHeight || metadata.InputWidth != model.InputWidth || metadata.KeypointCount != model.KeypointCount)
            throw new ArgumentException($"The metadata ({metadata.InputHeight}x{metadata.InputWidth}, {metadata.KeypointCount} points) does not describe the network ({model.InputHeight}x{model.InputWidth}, {model.KeypointCount} points).");
        var g = new OnnxGraphBuilder();
        var output = model.BuildOnnx(g, KeypointModelMetadata.InputName);
        var producer = g.Graph.Node.LastOrDefault(n => n.Output.Contains(output));
        if (producer is null)
        {
            var id = new NodeProto { OpType = "Identity", Name = "output_identity" };
            id.Input.Add(output);
            id.Output.Add(KeypointModelMetadata.OutputName);
            g.Graph.Node.Add(id);
        }
        else
        {
            producer.Output[producer.Output.IndexOf(output)] = KeypointModelMetadata.OutputName;
        }
        g.Graph.Input.Add(OnnxGraphBuilder.FloatValue(KeypointModelMetadata.InputName, [null, 1, model.InputHeight, model.InputWidth]));
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(KeypointModelMetadata.OutputName, new long?[] { null }.Concat(model.OutputShape.Select(d => (long?)d))));

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "KeypointML.Training",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = g.Graph,
            DocString = $"{metadata.Name}: {model.GetType().Name}",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata.ToProperties())
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>Writes the model to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Export(KeypointNet model, KeypointModelMetadata metadata, string path)
    {
        var proto = Build(model, metadata);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>
    /// Runs <paramref name="images"/> ([N,1,H,W]) through the exported file in ONNX Runtime and through the network in eval
    /// mode (<see cref="KeypointNet.Infer"/>), and returns the largest absolute difference between the two outputs.
    /// </summary>
    public static float MaxAbsDifference(KeypointNet model, string onnxPath, Tensor images)
    {
        float[] expected;
        using (EvalMode.Of(model))
        using (NewDisposeScope())
            expected = model.Infer(images.to(ScalarType.Float32)).contiguous().data<float>().ToArray();
        var actual = RunOnnx(onnxPath, images);
        if (actual.Length != expected.Length)
            throw new InvalidDataException($"{onnxPath}: ONNX Runtime gave {actual.Length} values, TorchSharp {expected.Length}.");
        float max = 0;
        for (int i = 0; i < actual.Length; i++) max = MathF.Max(max, MathF.Abs(actual[i] - expected[i]));
        return max;
    }

    /// <summary>Runs the images through the ONNX file in ONNX Runtime (CPU) and returns the flat output.</summary>
    public static float[] RunOnnx(string onnxPath, Tensor images)
    {
        var data = images.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var dims = images.shape.Select(d => (int)d).ToArray();
        using var session = new InferenceSession(onnxPath);
        var input = new DenseTensor(data, dims);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(KeypointModelMetadata.InputName, input)]);
        return results.Single(r => r.Name == KeypointModelMetadata.OutputName).AsEnumerable<float>().ToArray();
    }
}
