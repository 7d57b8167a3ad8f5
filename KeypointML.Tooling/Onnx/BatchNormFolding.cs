using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Folds each inference-mode <c>BatchNormalization</c> that follows a <c>Conv</c> into that convolution's weights and bias
/// (<c>w' = w s</c>, <c>b' = (b - mean) s + beta</c> with <c>s = gamma / sqrt(var + eps)</c> per output channel): the same
/// function with one node fewer. ONNX Runtime does this itself when it loads a float model, but not once the weights
/// come through <c>DequantizeLinear</c>, so <see cref="Int8Quantizer"/> folds before it quantizes (the weights it rounds
/// are then the ones the network computes with).
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Folds in place; returns how many normalizations were folded. A normalization whose input is not a
    /// convolution's sole use, or whose parameters are not initializers, stays.</summary>
    public static int Apply(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        int folded = 0;
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = graph.Node.SingleOrDefault(n => n.Output.Contains(bn.Input[0]));
            if (conv is null || conv.OpType != "Conv" || graph.Node.Count(n => n.Input.Contains(bn.Input[0])) != 1
                || graph.Output.Any(o => o.Name == bn.Input[0])
                || !bn.Input.Skip(1).All(initializers.ContainsKey) || !initializers.TryGetValue(conv.Input[1], out var weight)
                || (conv.Input.Count > 2 && !initializers.ContainsKey(conv.Input[2]))
                || graph.Node.Count(n => n.Input.Contains(conv.Input[1])) != 1)
                continue;
            float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            var (gamma, beta, mean, variance) = (Read(bn.Input[1]), Read(bn.Input[2]), Read(bn.Input[3]), Read(bn.Input[4]));
            var w = OnnxTensors.ReadFloats(weight);
            int outChannels = (int)weight.Dims[0], perChannel = w.Length / outChannels;
            var bias = conv.Input.Count > 2 ? Read(conv.Input[2]) : new float[outChannels];
            for (int o = 0; o < outChannels; o++)
            {
                float s = gamma[o] / MathF.Sqrt(variance[o] + epsilon);
                for (int i = 0; i < perChannel; i++) w[o * perChannel + i] *= s;
                bias[o] = (bias[o] - mean[o]) * s + beta[o];
            }
            Replace(weight.Name, OnnxTensors.Float(weight.Name, w, [.. weight.Dims]));
            string biasName = conv.Input.Count > 2 && graph.Node.Count(n => n.Input.Contains(conv.Input[2])) == 1 ? conv.Input[2] : conv.Name + "/folded_bias";
            Replace(biasName, OnnxTensors.Float(biasName, bias, outChannels));
            if (conv.Input.Count > 2) conv.Input[2] = biasName;
            else conv.Input.Add(biasName);
            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
            folded++;
        }
        // Parameters nothing reads any more (the normalizations').
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var unused in graph.Initializer.Where(t => !read.Contains(t.Name)).ToList()) graph.Initializer.Remove(unused);
        return folded;

        float[] Read(string name) => OnnxTensors.ReadFloats(initializers[name]);
        void Replace(string name, TensorProto tensor)
        {
            if (initializers.TryGetValue(name, out var old)) graph.Initializer.Remove(old);
            graph.Initializer.Add(tensor);
            initializers[name] = tensor;
        }
    }
}
