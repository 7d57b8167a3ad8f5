using Google.Protobuf;
using KeypointML.Models;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Small hand-built KeypointML ONNX models (IR 8, opset 17, symbolic batch dimension, KeypointML metadata) whose outputs
/// are known in advance: for exact tests of the ML.NET components and for the scoring benchmark.
/// </summary>
public static class SyntheticOnnxModels
{
    private const long IrVersion = 8, Opset = 17;

    /// <summary>Heatmap model whose single heatmap is its input: output = input, [N, 1, H, W].</summary>
    public static byte[] Echo(int height, int width)
    {
        var g = new Graph(height, width, [1, height, width]);
        g.Node("Identity", [KeypointModelMetadata.InputName], KeypointModelMetadata.OutputName);
        return g.Model(Heatmaps(height, width, 1, height, width, "echo"));
    }

    /// <summary>
    /// Coordinate model for one keypoint: the intensity centroid of the image, weighting each pixel by its grey level
    /// (normalized value + 0.5), in normalized coordinates ((i + 0.5) / W, (j + 0.5) / H). A bright spot on black gives
    /// the spot's centre.
    /// </summary>
    public static byte[] Centroid(int height, int width)
    {
        var g = new Graph(height, width, [2]);
        var xs = new float[height * width];
        var ys = new float[height * width];
        for (int j = 0; j < height; j++)
            for (int i = 0; i < width; i++)
            {
                xs[j * width + i] = (i + 0.5f) / width;
                ys[j * width + i] = (j + 0.5f) / height;
            }
        g.Initializer("half", [0.5f], []);
        g.Initializer("grid_x", xs, [1, 1, height, width]);
        g.Initializer("grid_y", ys, [1, 1, height, width]);
        g.Initializer("axes", [1, 2, 3]);
        g.Node("Add", [KeypointModelMetadata.InputName, "half"], "weight");
        g.Node("Mul", ["weight", "grid_x"], "wx");
        g.Node("Mul", ["weight", "grid_y"], "wy");
        g.Node("ReduceSum", ["wx", "axes"], "sx");
        g.Node("ReduceSum", ["wy", "axes"], "sy");
        g.Node("ReduceSum", ["weight", "axes"], "sw");
        g.Node("Concat", ["sx", "sy"], "sxy", Int("axis", 1));
        g.Node("Div", ["sxy", "sw"], "centroid");
        g.Node("Flatten", ["centroid"], KeypointModelMetadata.OutputName, Int("axis", 1));
        return g.Model(Coordinates(height, width, 1, "centroid"));
    }

    /// <summary>Heatmap model that outputs <paramref name="heatmaps"/> ([K, h, w], row-major) whatever its input.</summary>
    public static byte[] FixedHeatmaps(int height, int width, float[] heatmaps, int keypoints, int heatmapHeight, int heatmapWidth)
    {
        var g = new Graph(height, width, [keypoints, heatmapHeight, heatmapWidth]);
        g.Initializer("maps", heatmaps, [1, keypoints, heatmapHeight, heatmapWidth]);
        g.Initializer("zero", [0f], []);
        g.Initializer("axes", [1, 2, 3]);
        // 0 * sum(input) has the batch shape [N, 1, 1, 1]; adding the maps broadcasts them to every image.
        g.Node("ReduceSum", [KeypointModelMetadata.InputName, "axes"], "sum");
        g.Node("Mul", ["sum", "zero"], "nothing");
        g.Node("Add", ["nothing", "maps"], KeypointModelMetadata.OutputName);
        return g.Model(Heatmaps(height, width, keypoints, heatmapHeight, heatmapWidth, "fixed-heatmaps"));
    }

    /// <summary>
    /// A real-size coordinate regressor with seeded random weights: 3x3 convs of stride 2 + ReLU with the given channels
    /// (default 16, 32, 64, 64), global average pool, a linear layer to 2K and a sigmoid. For throughput, not accuracy.
    /// </summary>
    public static byte[] ConvRegressor(int height, int width, int keypoints, int seed = 1, int[]? channelsPerLayer = null)
    {
        var random = new Random(seed);
        var g = new Graph(height, width, [2 * keypoints]);
        var (x, inChannels) = ConvStack(g, random, channelsPerLayer ?? [16, 32, 64, 64]);
        g.Node("GlobalAveragePool", [x], "pooled");
        g.Node("Flatten", ["pooled"], "features", Int("axis", 1));
        g.Initializer("fc_w", RandomValues(random, 2 * keypoints * inChannels, 1f / MathF.Sqrt(inChannels)), [2 * keypoints, inChannels]);
        g.Initializer("fc_b", new float[2 * keypoints], [2 * keypoints]);
        g.Node("Gemm", ["features", "fc_w", "fc_b"], "logits", Int("transB", 1));
        g.Node("Sigmoid", ["logits"], KeypointModelMetadata.OutputName);
        return g.Model(Coordinates(height, width, keypoints, "conv-regressor"));
    }

    /// <summary>
    /// A heatmap model with seeded random float32 weights: 3x3 convolutions of stride 2 + ReLU (16 then 32 channels), a 1x1
    /// convolution to <paramref name="keypoints"/> maps of a quarter of the input and a sigmoid (probability maps, as the
    /// trained heatmap models end). For tests of graph rewrites that need float32 weights, not accuracy.
    /// </summary>
    public static byte[] ConvHeatmaps(int height, int width, int keypoints, int seed = 1)
    {
        var random = new Random(seed);
        var g = new Graph(height, width, [keypoints, height / 4, width / 4]);
        var (x, inChannels) = ConvStack(g, random, [16, 32]);
        g.Initializer("head_w", RandomValues(random, keypoints * inChannels, 1f / MathF.Sqrt(inChannels)), [keypoints, inChannels, 1, 1]);
        g.Initializer("head_b", Enumerable.Repeat(-4f, keypoints).ToArray(), [keypoints]);
        g.Node("Conv", [x, "head_w", "head_b"], "logits", Ints("kernel_shape", [1, 1]));
        g.Node("Sigmoid", ["logits"], KeypointModelMetadata.OutputName);
        var metadata = Heatmaps(height, width, keypoints, height / 4, width / 4, "conv-heatmaps") with { OutputActivation = Codecs.OutputActivation.Sigmoid };
        return g.Model(metadata);
    }

    // 3x3 convolutions of stride 2 + ReLU from the input, with seeded random weights: the last output and its channels.
    private static (string Output, int Channels) ConvStack(Graph g, Random random, IEnumerable<int> channelsPerLayer)
    {
        string x = KeypointModelMetadata.InputName;
        int inChannels = 1, layer = 0;
        foreach (int channels in channelsPerLayer)
        {
            layer++;
            float bound = 1f / MathF.Sqrt(inChannels * 9);
            g.Initializer($"w{layer}", RandomValues(random, channels * inChannels * 9, bound), [channels, inChannels, 3, 3]);
            g.Initializer($"b{layer}", RandomValues(random, channels, bound), [channels]);
            g.Node("Conv", [x, $"w{layer}", $"b{layer}"], $"conv{layer}", Ints("kernel_shape", [3, 3]), Ints("strides", [2, 2]), Ints("pads", [1, 1, 1, 1]));
            g.Node("Relu", [$"conv{layer}"], $"relu{layer}");
            x = $"relu{layer}";
            inChannels = channels;
        }
        return (x, inChannels);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> and returns the path.</summary>
    public static string Save(byte[] model, string path)
    {
        File.WriteAllBytes(path, model);
        return path;
    }

    private static KeypointModelMetadata Coordinates(int h, int w, int k, string name) => new()
    {
        InputHeight = h, InputWidth = w, KeypointCount = k, OutputKind = KeypointOutputKind.Coordinates, Name = name,
        TrainingData = "synthetic (hand-built test model)",
    };

    private static KeypointModelMetadata Heatmaps(int h, int w, int k, int hh, int hw, string name) => new()
    {
        InputHeight = h, InputWidth = w, KeypointCount = k, OutputKind = KeypointOutputKind.Heatmaps,
        HeatmapHeight = hh, HeatmapWidth = hw, Name = name, TrainingData = "synthetic (hand-built test model)",
    };

    private static float[] RandomValues(Random random, int count, float bound)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        return v;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A graph with input [N, 1, H, W] and output [N, outputDims...], both float, N symbolic.</summary>
    private sealed class Graph
    {
        private readonly GraphProto _graph = new() { Name = "keypointml-synthetic" };

        public Graph(int height, int width, long[] outputDims)
        {
            _graph.Input.Add(Value(KeypointModelMetadata.InputName, [1, height, width]));
            _graph.Output.Add(Value(KeypointModelMetadata.OutputName, outputDims));
        }

        public void Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = $"{op}_{_graph.Node.Count}" };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            _graph.Node.Add(node);
        }

        public void Initializer(string name, float[] values, long[] dims)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            t.FloatData.AddRange(values);
            _graph.Initializer.Add(t);
        }

        public void Initializer(string name, long[] values)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            _graph.Initializer.Add(t);
        }

        public byte[] Model(KeypointModelMetadata metadata)
        {
            var model = new ModelProto { IrVersion = IrVersion, ProducerName = "KeypointML synthetic", Graph = _graph };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            foreach (var (key, value) in metadata.ToProperties())
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            return model.ToByteArray();
        }

        private static ValueInfoProto Value(string name, long[] dims)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
            foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
            };
        }
    }
}
