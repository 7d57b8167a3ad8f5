using Google.Protobuf;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Stores a model's float32 weights as float16, each followed by a <c>Cast</c> back to float32 under the weight's own name:
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
        var casts = new List<NodeProto>();
        foreach (var init in initializers) Add(graph, init, casts);
        // The casts first, so that the node list stays topologically sorted.
        for (int i = casts.Count - 1; i >= 0; i--) graph.Node.Insert(0, casts[i]);
    }

    /// <summary>Adds <paramref name="weight"/> to <paramref name="graph"/>: as float16 and a cast when it is a large float32
    /// tensor, else as it is. The cast goes to <paramref name="casts"/> when given, else to the end of the node list
    /// (callers add weights before the nodes that read them, which keeps the list topologically sorted).</summary>
    public static void Add(GraphProto graph, TensorProto weight, List<NodeProto>? casts = null)
    {
        if (weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Aggregate(1L, (a, d) => a * d) < MinimumElements)
        {
            graph.Initializer.Add(weight);
            return;
        }
        if (weight.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"initializer {weight.Name} is stored outside the model file.");
        float[] values;
        if (weight.RawData.Length > 0)
        {
            values = new float[weight.RawData.Length / 4];
            Buffer.BlockCopy(weight.RawData.ToByteArray(), 0, values, 0, weight.RawData.Length);
        }
        else values = [.. weight.FloatData];
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (Half)values[i]);
        var stored = new TensorProto { Name = weight.Name + "/fp16", DataType = (int)TensorProto.Types.DataType.Float16, RawData = ByteString.CopyFrom(bytes) };
        stored.Dims.AddRange(weight.Dims);
        graph.Initializer.Add(stored);
        var cast = new NodeProto { OpType = "Cast", Name = weight.Name + "/cast" };
        cast.Input.Add(stored.Name);
        cast.Output.Add(weight.Name);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        if (casts is not null) casts.Add(cast);
        else graph.Node.Add(cast);
    }
}
