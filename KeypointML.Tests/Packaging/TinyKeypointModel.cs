using Google.Protobuf;
using KeypointML.Models;
using Onnx;

namespace KeypointML.Tests.Packaging;

/// <summary>
/// A valid KeypointML coordinate model small enough to write on the fly: output[j] = mean(input) * Weights[j] + Bias,
/// so a uniform input gives answers known in advance. Graph: GlobalAveragePool -> Flatten -> Gemm.
/// </summary>
internal static class TinyKeypointModel
{
    public const float Bias = 0.5f;

    /// <summary>Weight of output j: (j + 1) / 10.</summary>
    public static float Weight(int j) => (j + 1) / 10f;

    /// <summary>What the model outputs for an input whose every value is <paramref name="mean"/>.</summary>
    public static float[] ExpectedOutput(KeypointModelMetadata metadata, float mean) =>
        Enumerable.Range(0, 2 * metadata.KeypointCount).Select(j => mean * Weight(j) + Bias).ToArray();

    public static void Write(string file, KeypointModelMetadata metadata)
    {
        int outputs = 2 * metadata.KeypointCount;
        var graph = new GraphProto { Name = "tiny-keypoint-model" };
        graph.Input.Add(FloatTensor(KeypointModelMetadata.InputName, Dim("N"), Dim(1), Dim(metadata.InputHeight), Dim(metadata.InputWidth)));
        graph.Output.Add(FloatTensor(KeypointModelMetadata.OutputName, Dim("N"), Dim(outputs)));
        graph.Initializer.Add(Constant("weights", [1, outputs], Enumerable.Range(0, outputs).Select(Weight)));
        graph.Initializer.Add(Constant("bias", [outputs], Enumerable.Repeat(Bias, outputs)));
        graph.Node.Add(Node("GlobalAveragePool", [KeypointModelMetadata.InputName], "pooled"));
        graph.Node.Add(Node("Flatten", ["pooled"], "flat"));
        graph.Node.Add(Node("Gemm", ["flat", "weights", "bias"], KeypointModelMetadata.OutputName));

        var model = new ModelProto { IrVersion = 8, ProducerName = "KeypointML.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        foreach (var (key, value) in metadata.ToProperties())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        File.WriteAllBytes(file, model.ToByteArray());
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Constant(string name, long[] dims, IEnumerable<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto FloatTensor(string name, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorShapeProto.Types.Dimension Dim(long size) => new() { DimValue = size };

    private static TensorShapeProto.Types.Dimension Dim(string symbol) => new() { DimParam = symbol };
}
