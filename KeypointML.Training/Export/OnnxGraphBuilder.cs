using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KeypointML.Training.Export;

/// <summary>
/// Builds an ONNX graph (opset 17) from TorchSharp layers, one method per layer kind; each returns the name of the value
/// it produces. Weights become raw little-endian float initializers named after the layer.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph = new() { Name = "keypointml" };
    private readonly Dictionary<string, int> counters = new();
    private readonly Dictionary<string, Tensor> sources = new();

    public GraphProto Graph => graph;

    /// <summary>Each initializer made from a network tensor, by name: the same network built twice names its weights the
    /// same way, which is how <see cref="OnnxWeights"/> finds an exported file's value for each parameter and buffer.</summary>
    public IReadOnlyDictionary<string, Tensor> Sources => sources;

    private string Fresh(string kind)
    {
        counters[kind] = counters.GetValueOrDefault(kind) + 1;
        return $"{kind}_{counters[kind]}";
    }

    private NodeProto Node(string op, string[] inputs, string? output = null)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op) };
        node.Input.AddRange(inputs);
        node.Output.Add(output ?? node.Name + "_out");
        graph.Node.Add(node);
        return node;
    }

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    private static AttributeProto Str(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>Adds a float initializer holding <paramref name="t"/>'s values (copied to CPU float32, contiguous).</summary>
    public string Initializer(string prefix, Tensor t)
    {
        using var scope = NewDisposeScope();
        var c = t.detach().to(ScalarType.Float32).cpu().contiguous();
        var values = c.data<float>().ToArray();
        var name = Initializer(prefix, values, c.shape);
        sources[name] = t;
        return name;
    }

    /// <summary>Adds a float initializer with the given values and shape.</summary>
    public string Initializer(string prefix, float[] values, long[] shape)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian.");
        var name = Fresh(prefix);
        var tp = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tp.Dims.AddRange(shape);
        graph.Initializer.Add(tp);
        return name;
    }

    private static long[] Pair(long[] v) => v.Length == 1 ? [v[0], v[0]] : v;

    private static long[] ConvPads(Convolution conv)
    {
        if (conv.padding_type is Padding.Valid) return [0, 0, 0, 0];
        if (conv.padding_type is Padding.Same)
        {
            // Same padding for stride 1: total = dilation * (kernel - 1), the extra one at the end (as PyTorch).
            var k = Pair(conv.kernel_size); var d = Pair(conv.dilation);
            long th = d[0] * (k[0] - 1), tw = d[1] * (k[1] - 1);
            return [th / 2, tw / 2, th - th / 2, tw - tw / 2];
        }
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"ONNX export: convolution padding mode {conv.padding_mode} is not supported (only zeros).");
        var p = Pair(conv.padding ?? [0L]);
        return [p[0], p[1], p[0], p[1]];
    }

    /// <summary>Conv2d -> Conv.</summary>
    public string Conv(Conv2d conv, string x)
    {
        var inputs = new List<string> { x, Initializer("conv_w", conv.weight!) };
        if (conv.bias is not null) inputs.Add(Initializer("conv_b", conv.bias));
        var n = Node("Conv", inputs.ToArray());
        n.Attribute.Add(Ints("kernel_shape", Pair(conv.kernel_size)));
        n.Attribute.Add(Ints("strides", Pair(conv.stride)));
        n.Attribute.Add(Ints("pads", ConvPads(conv)));
        n.Attribute.Add(Ints("dilations", Pair(conv.dilation)));
        n.Attribute.Add(Int("group", conv.groups));
        return n.Output[0];
    }

    /// <summary>ConvTranspose2d -> ConvTranspose (weights are [in, out/groups, kh, kw] in both).</summary>
    public string ConvTranspose(ConvTranspose2d conv, string x)
    {
        var inputs = new List<string> { x, Initializer("deconv_w", conv.weight!) };
        if (conv.bias is not null) inputs.Add(Initializer("deconv_b", conv.bias));
        var n = Node("ConvTranspose", inputs.ToArray());
        var p = Pair(conv.padding ?? [0L]);
        n.Attribute.Add(Ints("kernel_shape", Pair(conv.kernel_size)));
        n.Attribute.Add(Ints("strides", Pair(conv.stride)));
        n.Attribute.Add(Ints("pads", [p[0], p[1], p[0], p[1]]));
        n.Attribute.Add(Ints("dilations", Pair(conv.dilation)));
        n.Attribute.Add(Ints("output_padding", Pair(conv.output_padding)));
        n.Attribute.Add(Int("group", conv.groups));
        return n.Output[0];
    }

    /// <summary>Linear -> Gemm(x, W, b) with transB = 1 (y = x W^T + b). x must be 2-D.</summary>
    public string Linear(Linear linear, string x)
    {
        var inputs = new List<string> { x, Initializer("fc_w", linear.weight!) };
        if (linear.bias is not null) inputs.Add(Initializer("fc_b", linear.bias));
        var n = Node("Gemm", inputs.ToArray());
        n.Attribute.Add(Int("transB", 1));
        return n.Output[0];
    }

    /// <summary>BatchNorm2d in eval mode -> BatchNormalization with the running statistics.</summary>
    public string BatchNorm(BatchNorm2d bn, string x)
    {
        long c = bn.num_features;
        var scale = bn.weight is not null ? Initializer("bn_scale", bn.weight) : Initializer("bn_scale", Enumerable.Repeat(1f, (int)c).ToArray(), [c]);
        var bias = bn.bias is not null ? Initializer("bn_bias", bn.bias) : Initializer("bn_bias", new float[c], [c]);
        if (bn.running_mean is null || bn.running_var is null) throw new NotSupportedException("ONNX export: BatchNorm2d without running statistics is not supported.");
        var n = Node("BatchNormalization", [x, scale, bias, Initializer("bn_mean", bn.running_mean), Initializer("bn_var", bn.running_var)]);
        n.Attribute.Add(Float("epsilon", (float)bn.eps));
        return n.Output[0];
    }

    public string Relu(string x) => Node("Relu", [x]).Output[0];

    /// <summary>MaxPool2d -> MaxPool (stride defaults to the kernel, as in PyTorch).</summary>
    public string MaxPool(MaxPool2d pool, string x)
    {
        var k = Pair(pool.kernel_size);
        var s = pool.stride is { Length: > 0 } st ? Pair(st) : k;
        var p = pool.padding is { Length: > 0 } pd ? Pair(pd) : [0, 0];
        var d = pool.dilation is { Length: > 0 } dl ? Pair(dl) : [1, 1];
        var n = Node("MaxPool", [x]);
        n.Attribute.Add(Ints("kernel_shape", k));
        n.Attribute.Add(Ints("strides", s));
        n.Attribute.Add(Ints("pads", [p[0], p[1], p[0], p[1]]));
        n.Attribute.Add(Ints("dilations", d));
        n.Attribute.Add(Int("ceil_mode", pool.ceil_mode ? 1 : 0));
        return n.Output[0];
    }

    /// <summary>Dropout is the identity at inference: nothing is written.</summary>
    public string Dropout(TorchSharp.Modules.Dropout _, string x) => x;

    public string Add(string a, string b) => Node("Add", [a, b]).Output[0];

    /// <summary>torch.cat(values, axis) -> Concat.</summary>
    public string Concat(long axis, params string[] values)
    {
        var n = Node("Concat", values);
        n.Attribute.Add(Int("axis", axis));
        return n.Output[0];
    }

    public string Sigmoid(string x) => Node("Sigmoid", [x]).Output[0];

    /// <summary>AdaptiveAvgPool2d(1) -> GlobalAveragePool.</summary>
    public string GlobalAveragePool(string x) => Node("GlobalAveragePool", [x]).Output[0];

    /// <summary>flatten(1) -> Flatten(axis = 1).</summary>
    public string Flatten(string x)
    {
        var n = Node("Flatten", [x]);
        n.Attribute.Add(Int("axis", 1));
        return n.Output[0];
    }

    /// <summary>
    /// Upsample (scale factor) -> Resize. Nearest matches PyTorch with "asymmetric" + "floor"; bilinear with
    /// align_corners=false with "pytorch_half_pixel", with align_corners=true with "align_corners".
    /// </summary>
    public string Resize(Upsample up, string x)
    {
        var factors = up.scale_factor.ToArray();
        if (factors.Length == 0) throw new NotSupportedException("ONNX export: Upsample needs a scale factor (a fixed output size is not supported).");
        var f = factors.Length == 1 ? new[] { factors[0], factors[0] } : factors;
        var scales = Initializer("resize_scales", [1f, 1f, (float)f[0], (float)f[1]], [4]);
        var n = Node("Resize", [x, "", scales]);
        switch (up.mode)
        {
            case UpsampleMode.Nearest:
                n.Attribute.Add(Str("mode", "nearest"));
                n.Attribute.Add(Str("coordinate_transformation_mode", "asymmetric"));
                n.Attribute.Add(Str("nearest_mode", "floor"));
                break;
            case UpsampleMode.Bilinear:
                n.Attribute.Add(Str("mode", "linear"));
                n.Attribute.Add(Str("coordinate_transformation_mode", up.align_corners == true ? "align_corners" : "pytorch_half_pixel"));
                break;
            default:
                throw new NotSupportedException($"ONNX export: Upsample mode {up.mode} is not supported (nearest, bilinear).");
        }
        return n.Output[0];
    }

    /// <summary>Declares a float graph input or output; a null dimension is symbolic ("N").</summary>
    internal static ValueInfoProto FloatValue(string name, IEnumerable<long?> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is long v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
