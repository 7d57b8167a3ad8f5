using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Stores a model's float32 weights as float16 <c>Constant</c> nodes, each followed by a <c>Cast</c> back to float32 under the weight's own name:
/// half the file, and the network still computes in float32 (ONNX Runtime folds the casts once, when the session loads).
/// The rounding (a relative 5e-4 per weight) moves the outputs slightly: measure the model again before shipping it.
/// </summary>
/// <remarks>Hand-written: the converters that exist (onnxconverter-common's <c>float16</c>, ONNX Runtime's transformers
/// tools) are Python and convert the computation too, which is not wanted here.</remarks>
public static class HalfPrecisionWeights
{
    /// <summary>Weights smaller than this stay float32 (biases, BatchNorm parameters: nothing to gain, and they are read often).</summary>
    public const int MinimumElements = 1024;

    /// <summary>Rewrites every large float32 initializer of <paramref name="graph"/> in place.</summary>
    public static void Apply(GraphProto graph)
    {
        var initializers = graph.Initializer.ToList();
        graph.Initializer.Clear();
        var nodes = new List<NodeProto>();
        foreach (var init in initializers) Add(graph, init, nodes);
        // The constants and casts first, so that the node list stays topologically sorted.
        for (int i = nodes.Count - 1; i >= 0; i--) graph.Node.Insert(0, nodes[i]);
    }

    /// <summary>Adds <paramref name="weight"/> to <paramref name="graph"/>: as a float16 constant and a cast when it is a
    /// large float32 tensor, as a constant when it is a large float16 one already, else as the initializer it is. The
    /// nodes go to <paramref name="nodes"/> when given, else to the end of the node list (callers add weights before the
    /// nodes that read them, which keeps the list topologically sorted).</summary>
    /// <remarks>Constant nodes, not float16 initializers: ML.NET's OnnxTransformer, which scores saved pipelines, reads
    /// the type of every initializer and knows no float16 ("Unsupported ONNX scalar type: Float16"); it does not read
    /// node attributes, and ONNX Runtime folds the constants and casts into float32 weights when the session loads.</remarks>
    public static void Add(GraphProto graph, TensorProto weight, List<NodeProto>? nodes = null)
    {
        void Emit(NodeProto node)
        {
            if (nodes is not null) nodes.Add(node);
            else graph.Node.Add(node);
        }
        bool large = weight.Dims.Aggregate(1L, (a, d) => a * d) >= MinimumElements;
        if (large && weight.DataType == (int)TensorProto.Types.DataType.Float16)
        {
            Emit(Constant(weight, weight.Name));
            return;
        }
        if (!large || weight.DataType != (int)TensorProto.Types.DataType.Float)
        {
            graph.Initializer.Add(weight);
            return;
        }
        var values = OnnxTensors.ReadFloats(weight);
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (Half)values[i]);
        var stored = OnnxTensors.Raw("", TensorProto.Types.DataType.Float16, bytes, [.. weight.Dims]);
        Emit(Constant(stored, weight.Name + "/fp16"));
        var cast = new NodeProto { OpType = "Cast", Name = weight.Name + "/cast" };
        cast.Input.Add(weight.Name + "/fp16");
        cast.Output.Add(weight.Name);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        Emit(cast);
    }

    private static NodeProto Constant(TensorProto value, string output)
    {
        var tensor = value.Clone();
        tensor.Name = "";
        var node = new NodeProto { OpType = "Constant", Name = output + "/constant" };
        node.Output.Add(output);
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor });
        return node;
    }
}
