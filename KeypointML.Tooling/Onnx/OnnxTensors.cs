using Google.Protobuf;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>Reading and writing the values of ONNX <see cref="TensorProto"/>s (raw bytes or typed fields), and the weight
/// forms this project writes: float32 initializers, and float16 <c>Constant</c> nodes cast back to float32
/// (<see cref="HalfPrecisionWeights"/>).</summary>
public static class OnnxTensors
{
    /// <summary>A float32 or float16 tensor's values as float32.</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"tensor {tensor.Name} is stored outside the model file.");
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Float:
                if (tensor.RawData.Length == 0) return [.. tensor.FloatData];
                var values = new float[tensor.RawData.Length / 4];
                Buffer.BlockCopy(tensor.RawData.ToByteArray(), 0, values, 0, tensor.RawData.Length);
                return values;
            case TensorProto.Types.DataType.Float16:
                var halves = tensor.RawData.Length > 0
                    ? Enumerable.Range(0, tensor.RawData.Length / 2).Select(i => BitConverter.ToHalf(tensor.RawData.Span.Slice(2 * i, 2))).ToArray()
                    : tensor.Int32Data.Select(bits => BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
                return [.. halves.Select(h => (float)h)];
            default:
                throw new NotSupportedException($"tensor {tensor.Name} holds {(TensorProto.Types.DataType)tensor.DataType} values; float32 or float16 expected.");
        }
    }

    /// <summary>A float32 tensor named <paramref name="name"/>, stored as raw bytes.</summary>
    public static TensorProto Float(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Raw(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    /// <summary>A tensor of <paramref name="type"/> with the given little-endian bytes.</summary>
    public static TensorProto Raw(string name, TensorProto.Types.DataType type, byte[] bytes, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    /// <summary>
    /// Turns the weights <see cref="HalfPrecisionWeights"/> stored as float16 <c>Constant</c> nodes with a <c>Cast</c> back into
    /// plain float32 initializers (the values the session computes with), so that passes which rewrite weights see them
    /// as initializers. Other constants stay as they are.
    /// </summary>
    public static void MaterializeWeights(GraphProto graph)
    {
        var constants = graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1).ToDictionary(n => n.Output[0]);
        foreach (var cast in graph.Node.Where(n => n.OpType == "Cast" && n.Input.Count == 1 && constants.ContainsKey(n.Input[0])).ToList())
        {
            var constant = constants[cast.Input[0]];
            var value = constant.Attribute.Single(a => a.Name == "value").T;
            if (value.DataType != (int)TensorProto.Types.DataType.Float16) continue;
            graph.Initializer.Add(Float(cast.Output[0], ReadFloats(value), [.. value.Dims]));
            graph.Node.Remove(cast);
            if (!graph.Node.Any(n => n.Input.Contains(constant.Output[0]))) graph.Node.Remove(constant);
        }
    }
}
