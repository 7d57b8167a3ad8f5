using Google.Protobuf;
using KeypointML.Models;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Static int8 quantization of a convolutional network in ONNX's QDQ form: every activation that feeds the convolutions
/// gets a <c>QuantizeLinear</c>/<c>DequantizeLinear</c> pair whose uint8 range is measured on calibration faces, and every
/// convolution between two such activations gets int8 weights (symmetric, per output channel) and an int32 bias. The
/// model still takes and returns float32; ONNX Runtime's CPU provider fuses the pairs into integer kernels
/// (<c>QLinearConv</c>, <c>QLinearAdd</c>, <c>QLinearConcat</c>), which on a core with AVX-512 VNNI run about twice as fast.
/// </summary>
/// <remarks>
/// <para>What stays float: the output head (the last convolution and what follows: sigmoid, flip averaging, the
/// ensemble's mean), so the maps keep their full precision where the decoder reads sub-cell offsets from them, unless
/// the caller asks for an integer head (<c>ship --int8-head</c>: the convolution then runs on integers and only the sigmoid
/// after it in float; on ibug68-fast 0.15 of 1.65 ms per face for 0.002 point of held-out NME); and, when the caller asks
/// (<c>ship --int8-float-stem</c>), the stem convolution on a one-channel image.</para>
/// <para>Before quantizing, batch normalizations are folded (<see cref="BatchNormFolding"/>) and UNet decoder steps that
/// mix an upsampled tensor with a 1x1 convolution mix before upsampling (<see cref="UpsampleMixFactoring"/>); both are exact
/// in float.</para>
/// <para>Hand-written rather than taken from a library: ONNX Runtime's quantization tool (<c>quantize_static</c>) is
/// Python and the tool has no Python; the rewrite is a graph walk over OnnxSharp's protobuf types, and the calibration
/// is ONNX Runtime itself with the activations made outputs.</para>
/// </remarks>
public static class Int8Quantizer
{
    /// <summary>The metadata key that records a quantized model's settings.</summary>
    public const string MetadataKey = KeypointModelMetadata.KeyPrefix + "quantization";

    private static readonly HashSet<string> Activations = ["Relu", "Add", "Concat", "Resize", "MaxPool"];
    // Ops whose output ONNX Runtime quantizes with its input's parameters (it drops their Q/DQ pair only then).
    private static readonly HashSet<string> SameRangeAsInput = ["Resize", "MaxPool"];

    /// <summary>Quantizes <paramref name="model"/> in place with activation ranges measured on <paramref name="calibration"/>
    /// (input tensors as the model takes them, one face each) and returns what it did.</summary>
    /// <param name="integerHead">Quantize the output head's convolution too (its output, the logits, becomes uint8 before
    /// the float sigmoid).</param>
    /// <param name="floatStem">Leave a one-channel input image float, and with it the stem convolution that reads it.</param>
    public static Int8QuantizationReport Apply(ModelProto model, IReadOnlyList<float[]> calibration, string calibrationName, bool integerHead = false,
        bool floatStem = false)
    {
        if (calibration.Count == 0) throw new ArgumentException("Int8 quantization needs calibration faces; got none.", nameof(calibration));
        if (model.MetadataProps.Any(p => p.Key == MetadataKey)) throw new ArgumentException("The model is quantized already.");
        var graph = model.Graph;
        OnnxTensors.MaterializeWeights(graph);
        int folded = BatchNormFolding.Apply(graph);
        int factored = UpsampleMixFactoring.Apply(graph);

        var quantized = TensorsToQuantize(graph, integerHead, floatStem);
        var ranges = Calibrate(model, quantized, calibration);
        var parameters = new Dictionary<string, (float Scale, byte ZeroPoint)>();
        foreach (var tensor in quantized)
        {
            var producer = graph.Node.SingleOrDefault(n => n.Output.Contains(tensor));
            var (lo, hi) = producer is not null && SameRangeAsInput.Contains(producer.OpType) && ranges.ContainsKey(producer.Input[0])
                ? ranges[producer.Input[0]] : ranges[tensor];
            lo = MathF.Min(lo, 0f);
            hi = MathF.Max(hi, 0f);
            float scale = MathF.Max(hi - lo, 1e-8f) / 255f;
            parameters[tensor] = (scale, (byte)Math.Clamp(MathF.Round(-lo / scale), 0, 255));
        }
        foreach (var tensor in quantized) InsertPair(graph, tensor, parameters[tensor]);

        int convs = 0;
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv").ToList())
        {
            if (!conv.Input[0].EndsWith(DequantizedSuffix) || !OutputQuantized(graph, conv, quantized)) continue;
            QuantizeWeights(graph, conv, parameters[conv.Input[0][..^DequantizedSuffix.Length]].Scale);
            convs++;
        }
        var report = new Int8QuantizationReport(folded, factored, quantized.Count, convs, graph.Node.Count(n => n.OpType == "Conv"), calibration.Count, calibrationName, integerHead, floatStem);
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = report.Describe() });
        return report;
    }

    private const string DequantizedSuffix = "/dq";

    // The activations upstream of a convolution that ONNX Runtime can carry as uint8: the input, and the outputs of
    // Relu, Add, Concat, Resize, MaxPool and of convolutions that feed something other than a lone Relu (a Conv -> Relu
    // -> Q chain fuses into one QLinearConv on the Relu's range); with an integer head also the head's output (a
    // convolution upstream of no other).
    private static List<string> TensorsToQuantize(GraphProto graph, bool integerHead, bool floatStem)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var upstream = graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Input[0]).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var node in graph.Node)
                if (node.Output.Any(upstream.Contains))
                    foreach (var input in node.Input.Where(i => i.Length > 0 && !initializers.Contains(i)))
                        grew |= upstream.Add(input);
        }
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var chosen = new List<string>();
        foreach (var input in graph.Input.Where(i => upstream.Contains(i.Name) && !(floatStem && OneChannel(i)))) chosen.Add(input.Name);
        foreach (var node in graph.Node)
        {
            var tensor = node.Output[0];
            if (integerHead && node.OpType == "Conv" && !upstream.Contains(tensor) && !outputs.Contains(tensor)) { chosen.Add(tensor); continue; }
            if (!upstream.Contains(tensor) || outputs.Contains(tensor)) continue;
            bool take = Activations.Contains(node.OpType)
                || (node.OpType == "Conv" && !(Consumers(graph, tensor) is [{ OpType: "Relu" }]));
            if (take) chosen.Add(tensor);
        }
        return chosen;
    }

    // With floatStem a one-channel image stays float, and so does the stem convolution that reads it. An integer
    // convolution over one input channel is bound by ONNX Runtime's im2col: ibug68-fast's 3x3 stem (16 channels) took
    // 0.22 ms of the model's 2.0 on one core as int8, 0.03 as float. Not the default: ResNet18's 7x7 stem (64 channels at
    // 112x112) is slower in float, 18.8 against 15.3 ms for the whole int8 ibug68-heatmap, because its large output must
    // then be quantized (docs/mlnet-components.md).
    private static bool OneChannel(ValueInfoProto input) =>
        input.Type?.TensorType?.Shape?.Dim is { Count: 4 } dims && dims[1].DimValue == 1;

    private static List<NodeProto> Consumers(GraphProto graph, string tensor) => graph.Node.Where(n => n.Input.Contains(tensor)).ToList();

    // A convolution's output reaches a Q: directly, or through the lone Relu it feeds.
    private static bool OutputQuantized(GraphProto graph, NodeProto conv, List<string> quantized)
    {
        var output = conv.Output[0];
        if (quantized.Contains(output)) return true;
        return Consumers(graph, output) is [{ OpType: "Relu" } relu] && quantized.Contains(relu.Output[0]);
    }

    /// <summary>The smallest and largest value of each tensor over the calibration inputs (ONNX Runtime, with the tensors
    /// made graph outputs so that no optimization fuses them away).</summary>
    private static Dictionary<string, (float Lo, float Hi)> Calibrate(ModelProto model, List<string> tensors, IReadOnlyList<float[]> inputs)
    {
        var probe = model.Clone();
        probe.MetadataProps.Clear();
        var input = probe.Graph.Input.Single(i => i.Name == KeypointModelMetadata.InputName);
        var shape = input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
        foreach (var tensor in tensors.Where(t => probe.Graph.Output.All(o => o.Name != t) && t != input.Name))
            probe.Graph.Output.Add(new ValueInfoProto { Name = tensor });
        var ranges = tensors.ToDictionary(t => t, _ => (Lo: float.PositiveInfinity, Hi: float.NegativeInfinity));
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using var run = new RunOptions();
        long[] dims = [1, .. shape];
        foreach (var face in inputs)
        {
            if (face.Length != shape.Aggregate(1L, (a, d) => a * d))
                throw new ArgumentException($"A calibration input holds {face.Length} values; the model takes [{string.Join(", ", shape)}].");
            Widen(input.Name, face);
            using var value = OrtValue.CreateTensorValueFromMemory(face, dims);
            using var results = session.Run(run, [input.Name], [value], session.OutputNames);
            for (int i = 0; i < session.OutputNames.Count; i++)
                if (ranges.ContainsKey(session.OutputNames[i])) Widen(session.OutputNames[i], results[i].GetTensorDataAsSpan<float>());
        }
        return ranges;

        void Widen(string name, ReadOnlySpan<float> values)
        {
            if (!ranges.TryGetValue(name, out var r)) return;
            foreach (float v in values)
            {
                if (v < r.Lo) r.Lo = v;
                if (v > r.Hi) r.Hi = v;
            }
            ranges[name] = r;
        }
    }

    // tensor -> QuantizeLinear -> DequantizeLinear, placed right after the tensor's producer; every reader of the tensor
    // reads the dequantized copy.
    private static void InsertPair(GraphProto graph, string tensor, (float Scale, byte ZeroPoint) p)
    {
        string scale = tensor + "/scale", zero = tensor + "/zero_point", q = tensor + "/q", dq = tensor + DequantizedSuffix;
        graph.Initializer.Add(OnnxTensors.Float(scale, [p.Scale]));
        graph.Initializer.Add(OnnxTensors.Raw(zero, TensorProto.Types.DataType.Uint8, [p.ZeroPoint]));
        foreach (var reader in Consumers(graph, tensor))
            for (int i = 0; i < reader.Input.Count; i++)
                if (reader.Input[i] == tensor) reader.Input[i] = dq;
        var quantize = Node("QuantizeLinear", tensor + "/Q", [tensor, scale, zero], q);
        var dequantize = Node("DequantizeLinear", tensor + "/DQ", [q, scale, zero], dq);
        var producer = graph.Node.SingleOrDefault(n => n.Output.Contains(tensor));
        int at = producer is null ? 0 : graph.Node.IndexOf(producer) + 1;
        graph.Node.Insert(at, dequantize);
        graph.Node.Insert(at, quantize);
    }

    // Weights int8, symmetric per output channel (scale = max |w| / 127); bias int32 at the input scale times the weight
    // scale, as QLinearConv adds it to the integer accumulator.
    private static void QuantizeWeights(GraphProto graph, NodeProto conv, float inputScale)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var weight = initializers[conv.Input[1]];
        var w = OnnxTensors.ReadFloats(weight);
        int outChannels = (int)weight.Dims[0], perChannel = w.Length / outChannels;
        var scales = new float[outChannels];
        var q = new byte[w.Length];
        for (int o = 0; o < outChannels; o++)
        {
            float max = 0;
            for (int i = 0; i < perChannel; i++) max = MathF.Max(max, MathF.Abs(w[o * perChannel + i]));
            scales[o] = max > 0 ? max / 127f : 1f;
            for (int i = 0; i < perChannel; i++) q[o * perChannel + i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(w[o * perChannel + i] / scales[o]), -127, 127));
        }
        var bias = conv.Input.Count > 2 ? OnnxTensors.ReadFloats(initializers[conv.Input[2]]) : new float[outChannels];
        var biasScales = scales.Select(s => s * inputScale).ToArray();
        var biasBytes = new byte[outChannels * 4];
        for (int o = 0; o < outChannels; o++)
            BitConverter.TryWriteBytes(biasBytes.AsSpan(4 * o), (int)Math.Clamp(Math.Round(bias[o] / biasScales[o]), int.MinValue, int.MaxValue));

        string name = conv.Name.Length > 0 ? conv.Name : conv.Output[0];
        var nodes = new List<NodeProto>
        {
            PerChannel(graph, name + "/weight", OnnxTensors.Raw(name + "/weight/int8", TensorProto.Types.DataType.Int8, q, [.. weight.Dims]), scales,
                TensorProto.Types.DataType.Int8, 1),
            PerChannel(graph, name + "/bias", OnnxTensors.Raw(name + "/bias/int32", TensorProto.Types.DataType.Int32, biasBytes, outChannels), biasScales,
                TensorProto.Types.DataType.Int32, 4),
        };
        if (Consumers(graph, conv.Input[1]).Count == 1) graph.Initializer.Remove(weight);
        if (conv.Input.Count > 2 && Consumers(graph, conv.Input[2]).Count == 1) graph.Initializer.Remove(initializers[conv.Input[2]]);
        conv.Input[1] = nodes[0].Output[0];
        if (conv.Input.Count > 2) conv.Input[2] = nodes[1].Output[0];
        else conv.Input.Add(nodes[1].Output[0]);
        int at = graph.Node.IndexOf(conv);
        graph.Node.Insert(at, nodes[1]);
        graph.Node.Insert(at, nodes[0]);
    }

    private static NodeProto PerChannel(GraphProto graph, string name, TensorProto values, float[] scales, TensorProto.Types.DataType type, int bytesPerZero)
    {
        graph.Initializer.Add(values);
        graph.Initializer.Add(OnnxTensors.Float(name + "/scale", scales, scales.Length));
        graph.Initializer.Add(OnnxTensors.Raw(name + "/zero_point", type, new byte[scales.Length * bytesPerZero], scales.Length));
        var node = Node("DequantizeLinear", name + "/DQ", [values.Name, name + "/scale", name + "/zero_point"], name + DequantizedSuffix);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        return node;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}

/// <summary>What <see cref="Int8Quantizer"/> did to a model.</summary>
public sealed record Int8QuantizationReport(int FoldedNormalizations, int FactoredDecoderSteps, int QuantizedActivations, int QuantizedConvolutions, int Convolutions,
    int CalibrationFaces, string CalibrationData, bool IntegerHead = false, bool FloatStem = false)
{
    /// <summary>One line, as recorded in the model's metadata.</summary>
    public string Describe() => FormattableString.Invariant(
        $"int8 QDQ: {QuantizedConvolutions} of {Convolutions} convolutions with int8 weights (per channel), {QuantizedActivations} activations uint8, ranges from {CalibrationFaces} faces of {CalibrationData}; {FoldedNormalizations} batch normalizations folded, {FactoredDecoderSteps} decoder steps mixed before upsampling{(IntegerHead ? "; integer head" : "")}{(FloatStem ? "; float stem" : "")}");
}
