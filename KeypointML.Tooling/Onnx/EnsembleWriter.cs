using Google.Protobuf;
using KeypointML.Models;
using KeypointML.Tooling.Files;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Joins heatmap models of one crop into one ONNX model whose output is the mean of their probability maps: one file,
/// one session, one input, so every component (DetectKeypoints, FaceLandmarker, the verbs, calibration) serves an
/// ensemble as it serves any model. Each member's graph is kept whole, its values renamed under <c>mN/</c>; a
/// <c>Mean</c> node averages the members' outputs. Members may differ in input and map size (a 224 and a 256 network):
/// the ensemble takes the largest member's input and maps, and a smaller member sees the input resized to its own size
/// and has its maps resized to the ensemble's (<c>Resize</c>, bilinear, half-pixel centres: cell (j, i) still stands for
/// ((i + 0.5) / w, (j + 0.5) / h), so the decoders read the resized maps as they read the member's own). A member may be
/// an ensemble itself (all members flipped in their graphs, or none): the mean weighs each member file once, so two
/// pairs weigh each network a quarter. Optionally the weights are stored as float16 and cast back to float32
/// when the session loads them (ONNX Runtime folds the casts once): half the file, the same graph and speed; the weights'
/// rounding moves the outputs by about 1e-3 of a cell, measured on the held-out faces before shipping.
/// </summary>
/// <remarks>Written here rather than taken from a library: no .NET ONNX library merges graphs (the onnx Python package's
/// <c>compose.merge_models</c> does, but the tool has no Python), and the renaming is a few lines over OnnxSharp's protobuf types.</remarks>
public static class EnsembleWriter
{
    /// <summary>Writes the ensemble of <paramref name="members"/> to <paramref name="target"/> (atomically) and returns it.
    /// Its metadata is the largest member's, without a calibration offset or a shape prior (the ensemble has its own;
    /// measure them with <c>ship --calibrate</c> and <c>--shape-prior</c>).</summary>
    /// <param name="flip">Test-time flip averaging inside the graph: each member also scores the mirrored face (one run at
    /// batch 2N) and its mirrored maps, flipped back with left and right swapped, join the mean. Twice the cost, no more
    /// weights, and a saved ML.NET pipeline keeps it (the graph does it).</param>
    public static string Write(IReadOnlyList<string> members, string target, bool halfPrecisionWeights = false, bool flip = false)
    {
        if (members.Count < (flip ? 1 : 2)) throw new ArgumentException($"An ensemble needs at least two models (or one with flip); got {members.Count}.", nameof(members));
        var metadata = new List<KeypointModelMetadata>();
        IReadOnlyList<int>? mirror = null;
        foreach (var path in members)
        {
            using var model = KeypointModel.Open(path);
            var m = model.Metadata;
            if (flip) mirror = model.MirrorMap ?? throw new ArgumentException($"{path}: flip averaging needs the left/right point map, known for the 68-point scheme; it predicts {m.KeypointCount} points.");
            if (m.OutputKind != KeypointOutputKind.Heatmaps)
                throw new ArgumentException($"{path}: an ensemble averages probability maps; this model outputs coordinates.");
            if (m.FlipInGraph && flip) throw new ArgumentException($"{path}: already averages the face and its mirror in its graph; leave out --flip, or give the members without it.");
            if (m.OutputActivation != Codecs.OutputActivation.Sigmoid)
                throw new ArgumentException($"{path}: an ensemble averages probability maps; this model's output has no sigmoid.");
            var first = metadata.Count == 0 ? m : metadata[0];
            // Sizes may differ (resized in the graph); what a point means may not: the same points of the same crop, and
            // inputs and maps of one shape, so that resizing keeps every cell's place in the crop.
            if ((m.KeypointCount, m.CropScale, m.CropSquare) != (first.KeypointCount, first.CropScale, first.CropSquare)
                || m.InputWidth * first.InputHeight != first.InputWidth * m.InputHeight
                || m.HeatmapWidth * first.HeatmapHeight != first.HeatmapWidth * m.HeatmapHeight)
                throw new ArgumentException($"{path}: points, crop, or the shape of its input or maps differ from {members[0]}'s; an ensemble's members must share them (sizes may differ).");
            metadata.Add(m);
        }
        // Ensembles may be members (a 224 pair and a 256 pair: each pair then weighs one half), all flipped in their graphs
        // or none, so that every member's maps stand for the same views of the face.
        if (!flip && metadata.Select(m => m.FlipInGraph).Distinct().Count() > 1)
            throw new ArgumentException($"Some of the members average the face and its mirror in their graphs and some do not ({string.Join(", ", members.Where((_, i) => metadata[i].FlipInGraph).Select(Path.GetFileName))} do); give them all with the flip or all without it.");
        // The ensemble's input and maps are the largest member's (the first of those, for ties).
        int reference = Enumerable.Range(0, metadata.Count).MaxBy(i => (metadata[i].InputWidth, metadata[i].HeatmapWidth));
        var largest = metadata[reference];

        var protos = members.Select(p => ModelProto.Parser.ParseFrom(File.ReadAllBytes(p))).ToList();
        var merged = protos[0].Clone();
        merged.Graph = new GraphProto { Name = "keypointml-ensemble" };
        merged.Graph.Input.Add(protos[reference].Graph.Input.Single(i => i.Name == KeypointModelMetadata.InputName));
        merged.Graph.Output.Add(protos[reference].Graph.Output.Single(o => o.Name == KeypointModelMetadata.OutputName));
        merged.OpsetImport.Clear();
        foreach (var opset in protos.SelectMany(p => p.OpsetImport).GroupBy(o => o.Domain))
            merged.OpsetImport.Add(new OperatorSetIdProto { Domain = opset.Key, Version = opset.Max(o => o.Version) });
        bool resizes = metadata.Any(m => m.InputWidth != largest.InputWidth || m.HeatmapWidth != largest.HeatmapWidth);
        if (resizes && merged.OpsetImport.Single(o => o.Domain is "" or "ai.onnx").Version < 13)
            throw new ArgumentException("Members of different sizes are joined by Resize nodes of ONNX opset 13; these models are of an older opset.");
        var averaged = new List<string>();
        if (flip) AddFlippedInput(merged.Graph);
        for (int i = 0; i < protos.Count; i++)
        {
            string prefix = $"m{i}/", input = flip ? FlipInput : KeypointModelMetadata.InputName;
            if (metadata[i].InputWidth != largest.InputWidth)
                input = AddResize(merged.Graph, input, prefix + "input_resized", prefix + "resize_input", (double)metadata[i].InputWidth / largest.InputWidth);
            AddMember(merged.Graph, protos[i].Graph, prefix, halfPrecisionWeights, input);
            string output = prefix + KeypointModelMetadata.OutputName;
            if (metadata[i].HeatmapWidth != largest.HeatmapWidth)
                output = AddResize(merged.Graph, output, prefix + "output_resized", prefix + "resize_output", (double)largest.HeatmapWidth / metadata[i].HeatmapWidth);
            if (flip) averaged.AddRange(SplitAndUnflip(merged.Graph, output, prefix, mirror!));
            else averaged.Add(output);
        }
        var mean = new NodeProto { OpType = "Mean", Name = "ensemble_mean" };
        mean.Input.AddRange(averaged);
        mean.Output.Add(KeypointModelMetadata.OutputName);
        merged.Graph.Node.Add(mean);
        merged.DocString = "KeypointML ensemble: mean of the probability maps of " + string.Join(", ", members.Select(Path.GetFileName))
            + (flip ? ", each also of the mirrored face" : "");

        var written = largest with { Offsets = Codecs.CalibrationOffsets.None, ShapePrior = null, Members = metadata.Sum(m => m.Members), FlipInGraph = flip || metadata[0].FlipInGraph };
        merged.MetadataProps.Clear();
        foreach (var (key, value) in written.ToProperties()) merged.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        AtomicFile.Write(target, stream => merged.WriteTo(stream));
        using (KeypointModel.Open(target)) { }
        return target;
    }

    private const string FlipInput = "input_and_mirror";

    // input [N,1,H,W] -> Concat(input, input mirrored in W) along the batch: [2N,1,H,W], one run for both.
    private static void AddFlippedInput(GraphProto graph)
    {
        AddFlipNode(graph, KeypointModelMetadata.InputName, "input_mirrored", "input_mirror");
        graph.Node.Add(Node("Concat", "input_concat", [KeypointModelMetadata.InputName, "input_mirrored"], [FlipInput], axis: 0));
    }

    // A member's [2N,K,h,w] output -> its first half, and its second half with the points' left and right swapped and
    // the maps mirrored in w (cell i of a mirrored map is cell w-1-i, exactly x -> 1-x in crop coordinates).
    private static IEnumerable<string> SplitAndUnflip(GraphProto graph, string output, string prefix, IReadOnlyList<int> mirror)
    {
        string direct = prefix + "output_direct", mirrored = prefix + "output_mirrored";
        graph.Node.Add(Node("Split", prefix + "split_mirror", [output], [direct, mirrored], axis: 0));
        // Point i of the face is point mirror[i] of the mirror image.
        var indices = new TensorProto { Name = prefix + "mirror_map", DataType = (int)TensorProto.Types.DataType.Int64 };
        indices.Dims.Add(mirror.Count);
        indices.Int64Data.AddRange(mirror.Select(i => (long)i));
        graph.Initializer.Add(indices);
        graph.Node.Add(Node("Gather", prefix + "swap_sides", [mirrored, indices.Name], [prefix + "output_swapped"], axis: 1));
        AddFlipNode(graph, prefix + "output_swapped", prefix + "output_unflipped", prefix + "unflip");
        return [direct, prefix + "output_unflipped"];
    }

    // [N,C,H,W] -> [N,C,H s,W s]: bilinear with half-pixel centres (ONNX Resize, opset 13 and later). Scales, not sizes:
    // the batch is dynamic. The float scale times the size must not fall below the integer it stands for, as ONNX Runtime
    // truncates the product: the scale is rounded up to the next float.
    private static string AddResize(GraphProto graph, string input, string output, string name, double scale)
    {
        float s = (float)scale;
        if (s < scale) s = MathF.BitIncrement(s);
        var scales = new TensorProto { Name = name + "/scales", DataType = (int)TensorProto.Types.DataType.Float };
        scales.Dims.Add(4);
        scales.FloatData.AddRange([1f, 1f, s, s]);
        graph.Initializer.Add(scales);
        var node = Node("Resize", name, [input, "", scales.Name], [output]);
        node.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("linear") });
        node.Attribute.Add(new AttributeProto { Name = "coordinate_transformation_mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("half_pixel") });
        graph.Node.Add(node);
        return output;
    }

    // Reverses the last axis: Slice(starts -1, ends -inf, steps -1).
    private static void AddFlipNode(GraphProto graph, string input, string output, string name)
    {
        TensorProto Ints(string n, long v)
        {
            var t = new TensorProto { Name = name + "/" + n, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(1);
            t.Int64Data.Add(v);
            graph.Initializer.Add(t);
            return t;
        }
        var starts = Ints("starts", -1); var ends = Ints("ends", long.MinValue); var axes = Ints("axes", -1); var steps = Ints("steps", -1);
        graph.Node.Add(Node("Slice", name, [input, starts.Name, ends.Name, axes.Name, steps.Name], [output]));
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs, long? axis = null)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        if (axis is long a) node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        return node;
    }

    private static void AddMember(GraphProto into, GraphProto member, string prefix, bool half, string input)
    {
        string Rename(string name) => name.Length == 0 ? name : name == KeypointModelMetadata.InputName ? input : prefix + name;
        foreach (var init in member.Initializer)
        {
            var renamed = init.Clone();
            renamed.Name = Rename(init.Name);
            // Float16 weights of a member shipped with --half go the same way, as constants (see HalfPrecisionWeights).
            if (half || renamed.DataType == (int)TensorProto.Types.DataType.Float16) HalfPrecisionWeights.Add(into, renamed);
            else into.Initializer.Add(renamed);
        }
        foreach (var node in member.Node)
        {
            var renamed = node.Clone();
            renamed.Name = node.Name.Length == 0 ? "" : prefix + node.Name;
            for (int i = 0; i < renamed.Input.Count; i++) renamed.Input[i] = Rename(renamed.Input[i]);
            for (int i = 0; i < renamed.Output.Count; i++) renamed.Output[i] = Rename(renamed.Output[i]);
            if (renamed.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
                throw new NotSupportedException($"node {node.Name} ({node.OpType}) holds a subgraph; ensembles of such models are not supported.");
            into.Node.Add(renamed);
        }
        foreach (var info in member.ValueInfo)
        {
            var renamed = info.Clone();
            renamed.Name = Rename(info.Name);
            into.ValueInfo.Add(renamed);
        }
    }
}
