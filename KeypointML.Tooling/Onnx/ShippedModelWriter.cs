using Google.Protobuf;
using KeypointML.Codecs;
using KeypointML.Detection;
using KeypointML.Models;
using KeypointML.Tooling.Files;
using Onnx;

namespace KeypointML.Tooling.Onnx;

/// <summary>
/// Puts a trained model into a models folder under its shipped name: the file <c>NAME.onnx</c> with metadata name NAME
/// (so a model's name is its file name everywhere), the output activation read from the graph when the metadata
/// predates that key, and the graph and weights untouched. Written to a temporary file and renamed; the result must open
/// as a <see cref="KeypointModel"/>.
/// </summary>
public static class ShippedModelWriter
{
    /// <summary>Writes <paramref name="source"/> as <paramref name="folder"/>/<paramref name="name"/>.onnx (the source may be that file).</summary>
    /// <param name="offsets">The calibration offsets to record (<see cref="KeypointModelMetadata.Offsets"/>); null keeps the source's.</param>
    /// <param name="halfPrecisionWeights">Store the weights as float16 (<see cref="HalfPrecisionWeights"/>; a model already so stored stays so).</param>
    /// <param name="int8">Quantize to int8 with these calibration faces (<see cref="Int8Quantizer"/>); not with float16 weights.</param>
    /// <param name="replaceShapePrior">Write <paramref name="shapePrior"/> (null: none) instead of the source's shape prior.</param>
    /// <param name="shapePrior">The shape prior to record (<see cref="KeypointModelMetadata.ShapePrior"/>), with <paramref name="replaceShapePrior"/>.</param>
    public static string Ship(string source, string name, string folder, Codecs.HeatmapRefinement? refinement = null, CalibrationOffsets? offsets = null,
        bool halfPrecisionWeights = false, Int8Calibration? int8 = null, bool replaceShapePrior = false, ShapePrior? shapePrior = null)
    {
        if (int8 is not null && halfPrecisionWeights) throw new ArgumentException("--int8 and --half exclude each other: int8 weights are smaller than float16 ones already.");
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(['/', '\\', '.']) >= 0) throw new ArgumentException($"'{name}' is not a model name (names look like 'ibug68-fast': no path, no extension).", nameof(name));
        KeypointModelMetadata metadata;
        using (var opened = KeypointModel.Open(source)) metadata = opened.Metadata;
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
        bool recorded = proto.MetadataProps.Any(p => p.Key == KeypointModelMetadata.KeyPrefix + "output_activation");
        var activation = recorded ? metadata.OutputActivation : ActivationOf(proto.Graph);
        if (refinement is not null && metadata.OutputKind != KeypointOutputKind.Heatmaps)
            throw new ArgumentException($"{source}: --refine applies to heatmap models; this one outputs coordinates.");
        if (halfPrecisionWeights) HalfPrecisionWeights.Apply(proto.Graph);
        if (int8 is not null) Int8Quantizer.Apply(proto, int8.Faces, int8.DataName, int8.IntegerHead, int8.FloatStem);
        var shipped = metadata with { Name = name, OutputActivation = activation, Refinement = refinement ?? metadata.Refinement, Offsets = offsets ?? metadata.Offsets,
            ShapePrior = replaceShapePrior ? shapePrior : metadata.ShapePrior };
        var target = WriteWithMetadata(proto, shipped.ToProperties(), folder, name, KeypointModelMetadata.OptionalKeys);
        using (KeypointModel.Open(target)) { }
        return target;
    }

    /// <summary>
    /// Writes a third-party face detector as <paramref name="folder"/>/<paramref name="name"/>.onnx with KeypointML metadata
    /// added (name, kind face-detector, the source file's sha256); graph and weights unchanged. Returns the path.
    /// </summary>
    public static string ShipDetector(string source, string name, string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using (FaceDetectors.Open(source)) { }
        var bytes = File.ReadAllBytes(source);
        var proto = ModelProto.Parser.ParseFrom(bytes);
        var props = new Dictionary<string, string>
        {
            [KeypointModelMetadata.KeyPrefix + "name"] = name,
            [KeypointModelMetadata.KeyPrefix + "kind"] = KeypointModelMetadata.FaceDetectorKind,
            [KeypointModelMetadata.KeyPrefix + "source_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
        };
        var target = WriteWithMetadata(proto, props, folder, name);
        using (FaceDetectors.Open(target)) { }
        return target;
    }

    // The model with the given metadata entries set (others kept, but for the optional ones the new entries leave out),
    // written to folder/NAME.onnx atomically.
    private static string WriteWithMetadata(ModelProto proto, IReadOnlyDictionary<string, string> props, string folder, string name,
        IReadOnlyList<string>? optional = null)
    {
        var kept = proto.MetadataProps.Where(p => !props.ContainsKey(p.Key) && optional?.Contains(p.Key) != true).ToList();
        proto.MetadataProps.Clear();
        proto.MetadataProps.AddRange(kept);
        foreach (var (key, value) in props) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, name + ".onnx");
        AtomicFile.Write(target, stream => proto.WriteTo(stream));
        return target;
    }

    /// <summary>The activation of the node that produces the graph's output: a Sigmoid there is the exported sigmoid.</summary>
    public static OutputActivation ActivationOf(GraphProto graph)
    {
        var producer = graph.Node.LastOrDefault(n => n.Output.Contains(KeypointModelMetadata.OutputName));
        return producer?.OpType == "Sigmoid" ? OutputActivation.Sigmoid : OutputActivation.None;
    }
}
