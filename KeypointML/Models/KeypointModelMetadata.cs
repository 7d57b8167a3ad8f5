using System.Globalization;
using KeypointML.Codecs;

namespace KeypointML.Models;

/// <summary>What a model produces: normalized (x, y) pairs, or one heatmap per keypoint.</summary>
public enum KeypointOutputKind
{
    /// <summary>Output [N, 2K]: x0, y0, x1, y1, ... in normalized crop coordinates (0..1).</summary>
    Coordinates,
    /// <summary>Output [N, K, h, w]: one heatmap per keypoint; cell (j, i) covers normalized ((i+0.5)/w, (j+0.5)/h).</summary>
    Heatmaps,
}

/// <summary>
/// How an exported KeypointML ONNX model describes itself, stored as ONNX <c>metadata_props</c> so that a user
/// passes only the model file. Written by the training tool's exporter; read by the Score component.
/// </summary>
public sealed record KeypointModelMetadata
{
    /// <summary>Name of the ONNX graph input: float [N, 1, InputHeight, InputWidth].</summary>
    public const string InputName = "input";
    /// <summary>Name of the ONNX graph output.</summary>
    public const string OutputName = "output";

    /// <summary>Prefix of every metadata key KeypointML writes.</summary>
    public const string KeyPrefix = "keypointml.";

    /// <summary>Height of the input tensor [1, H, W].</summary>
    public required int InputHeight { get; init; }
    /// <summary>Width of the input tensor [1, H, W].</summary>
    public required int InputWidth { get; init; }
    /// <summary>Number of keypoints the model predicts (K).</summary>
    public required int KeypointCount { get; init; }
    /// <summary>Coordinates or heatmaps.</summary>
    public required KeypointOutputKind OutputKind { get; init; }
    /// <summary>Heatmap height in cells (0 for coordinate models).</summary>
    public int HeatmapHeight { get; init; }
    /// <summary>Heatmap width in cells (0 for coordinate models).</summary>
    public int HeatmapWidth { get; init; }
    /// <summary>What the exported graph applies last (a sigmoid for heatmap networks trained on logits).</summary>
    public OutputActivation OutputActivation { get; init; } = OutputActivation.None;
    /// <summary>Heatmap models: the training target (Gaussian of a sigma, or zero-one); null when not recorded.</summary>
    public HeatmapTarget? HeatmapTarget { get; init; }
    /// <summary>The pixel normalization the model was trained with; only <see cref="Preprocessing.GrayscaleNormalization.Name"/> exists.</summary>
    public string Normalization { get; init; } = Preprocessing.GrayscaleNormalization.Name;
    /// <summary>How far the face box is scaled around its centre before cropping (1 = the box itself). Ignored without a box.</summary>
    public float CropScale { get; init; } = 1f;
    /// <summary>Whether the crop is widened to a square.</summary>
    public bool CropSquare { get; init; } = true;
    /// <summary>Free text: the data the model was trained on.</summary>
    public string TrainingData { get; init; } = "";
    /// <summary>Short model name, e.g. imm-nose.</summary>
    public string Name { get; init; } = "";
    /// <summary>Heatmap models: the sub-cell decoding chosen for this model on its validation faces (written by
    /// <c>keypointml ship --refine</c>); null = the library's default (<see cref="Transforms.KeypointDefaults.Refinement"/>).</summary>
    public Codecs.HeatmapRefinement? Refinement { get; init; }
    /// <summary>The model's mean error on its own training faces, in normalized crop coordinates, per point or one (x, y)
    /// for all, which the decoders subtract (written by <c>keypointml ship --calibrate</c>; see
    /// <see cref="Codecs.OffsetCorrectedCodec"/>); <see cref="Codecs.CalibrationOffsets.None"/> = none.</summary>
    public Codecs.CalibrationOffsets Offsets { get; init; } = Codecs.CalibrationOffsets.None;
    /// <summary>The face-shape prior the decoders apply last (written by <c>keypointml ship --shape-prior</c>; see
    /// <see cref="Codecs.ShapePrior"/>); null = none.</summary>
    public Codecs.ShapePrior? ShapePrior { get; init; }

    /// <summary>How many networks the graph averages (an ensemble written by <c>keypointml ensemble</c>); 1 = one network.</summary>
    public int Members { get; init; } = 1;
    /// <summary>Whether the graph itself also scores the mirrored face and averages it in (test-time flip averaging inside
    /// the model, so a saved pipeline keeps it); such a model must not be flip-averaged again.</summary>
    public bool FlipInGraph { get; init; }

    /// <summary>The value of <c>keypointml.kind</c> that marks a shipped face detector (keypoint models have no kind key).</summary>
    public const string FaceDetectorKind = "face-detector";

    /// <summary>Whether ONNX metadata marks a face detector rather than a keypoint model.</summary>
    public static bool IsFaceDetector(IReadOnlyDictionary<string, string> props) =>
        props.TryGetValue(KeyPrefix + "kind", out var kind) && kind == FaceDetectorKind;

    /// <summary>The metadata as ONNX metadata_props key/value pairs.</summary>
    public IReadOnlyDictionary<string, string> ToProperties()
    {
        var ic = CultureInfo.InvariantCulture;
        var props = new Dictionary<string, string>
        {
            [KeyPrefix + "name"] = Name,
            [KeyPrefix + "input_height"] = InputHeight.ToString(ic),
            [KeyPrefix + "input_width"] = InputWidth.ToString(ic),
            [KeyPrefix + "keypoint_count"] = KeypointCount.ToString(ic),
            [KeyPrefix + "output_kind"] = OutputKind == KeypointOutputKind.Heatmaps ? "heatmaps" : "coordinates",
            [KeyPrefix + "heatmap_height"] = HeatmapHeight.ToString(ic),
            [KeyPrefix + "heatmap_width"] = HeatmapWidth.ToString(ic),
            [KeyPrefix + "normalization"] = Normalization,
            [KeyPrefix + "crop_scale"] = CropScale.ToString("R", ic),
            [KeyPrefix + "crop_square"] = CropSquare ? "true" : "false",
            [KeyPrefix + "training_data"] = TrainingData,
            [KeyPrefix + "output_activation"] = OutputActivation == OutputActivation.Sigmoid ? "sigmoid" : "none",
        };
        if (HeatmapTarget is { } target) props[KeyPrefix + "heatmap_target"] = target.ToString();
        if (Refinement is { } refinement) props[KeyPrefix + "refinement"] = RefinementNames[refinement];
        if (Members != 1) props[KeyPrefix + "ensemble_members"] = Members.ToString(ic);
        if (FlipInGraph) props[KeyPrefix + "flip_in_graph"] = "true";
        // keypointml.offset holds one (x, y): the offsets' mean when they are per point, which is what readers that
        // predate keypointml.point_offsets apply; readers that know both take the per-point offsets.
        if (!Offsets.IsNone) props[KeyPrefix + "offset"] = $"{Offsets.Mean.X.ToString("R", ic)},{Offsets.Mean.Y.ToString("R", ic)}";
        if (Offsets.IsPerPoint) props[KeyPrefix + "point_offsets"] = Offsets.Format();
        if (ShapePrior is { } prior) props[KeyPrefix + "shape_prior"] = prior.Format();
        return props;
    }

    /// <summary>The keys <see cref="ToProperties"/> writes only when their value is set: a writer that replaces a model's
    /// metadata removes those its new metadata leaves out (a shape prior dropped on recalibration).</summary>
    public static IReadOnlyList<string> OptionalKeys { get; } =
        [.. new[] { "heatmap_target", "refinement", "ensemble_members", "flip_in_graph", "offset", "point_offsets", "shape_prior" }.Select(k => KeyPrefix + k)];

    /// <summary>The refinements' names in model metadata (as the command line spells them).</summary>
    public static IReadOnlyDictionary<Codecs.HeatmapRefinement, string> RefinementNames { get; } = new Dictionary<Codecs.HeatmapRefinement, string>
    {
        [Codecs.HeatmapRefinement.None] = "none",
        [Codecs.HeatmapRefinement.QuarterOffset] = "quarter-offset",
        [Codecs.HeatmapRefinement.LogParabola] = "log-parabola",
        [Codecs.HeatmapRefinement.Dark] = "dark",
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>Reads the metadata back; <paramref name="source"/> names the model file in error messages.</summary>
    public static KeypointModelMetadata FromProperties(IReadOnlyDictionary<string, string> props, string source)
    {
        if (IsFaceDetector(props))
            throw new InvalidDataException($"{source}: a face detector ({KeyPrefix}kind = {FaceDetectorKind}), not a keypoint model; open it with FaceDetectorModel (DetectFaces).");
        string Get(string key) => props.TryGetValue(KeyPrefix + key, out var v)
            ? v
            : throw new InvalidDataException($"{source}: not a KeypointML model: ONNX metadata '{KeyPrefix}{key}' is missing.");
        int GetInt(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}{key}' = '{Get(key)}' is not a non-negative integer.");
        string kind = Get("output_kind");
        var outputKind = kind switch
        {
            "coordinates" => KeypointOutputKind.Coordinates,
            "heatmaps" => KeypointOutputKind.Heatmaps,
            _ => throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}output_kind' = '{kind}'; expected 'coordinates' or 'heatmaps'."),
        };
        string activation = props.GetValueOrDefault(KeyPrefix + "output_activation", "none");
        var outputActivation = activation switch
        {
            "none" => OutputActivation.None,
            "sigmoid" => OutputActivation.Sigmoid,
            _ => throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}output_activation' = '{activation}'; expected 'none' or 'sigmoid'."),
        };
        Codecs.HeatmapRefinement? refinement = null;
        if (props.TryGetValue(KeyPrefix + "refinement", out var r))
            refinement = RefinementNames.FirstOrDefault(n => n.Value == r) is { Value: not null } known ? known.Key
                : throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}refinement' = '{r}'; expected one of {string.Join(", ", RefinementNames.Values)}.");
        var offsets = Codecs.CalibrationOffsets.None;
        if (props.TryGetValue(KeyPrefix + "offset", out var o))
            offsets = Codecs.CalibrationOffsets.TryParseValues(o) is [var ox, var oy] ? Codecs.CalibrationOffsets.Uniform(ox, oy)
                : throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}offset' = '{o}'; expected 'x,y' (two numbers).");
        if (props.TryGetValue(KeyPrefix + "point_offsets", out var po))
        {
            int keypoints = GetInt("keypoint_count");
            offsets = Codecs.CalibrationOffsets.TryParseValues(po) is { } values && values.Length == 2 * keypoints ? Codecs.CalibrationOffsets.PerPoint(values)
                : throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}point_offsets' = '{Shorten(po)}'; expected {2 * keypoints} numbers (x, y for each of the {keypoints} points) separated by commas.");
        }
        Codecs.ShapePrior? shapePrior = null;
        if (props.TryGetValue(KeyPrefix + "shape_prior", out var sp))
        {
            int keypoints = GetInt("keypoint_count");
            shapePrior = Codecs.ShapePrior.TryParse(sp, keypoints)
                ?? throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}shape_prior' ({sp.Length} characters) is not a shape prior for {keypoints} points (base64 of {2 * keypoints} + {4 * keypoints * keypoints} finite float32 values).");
        }
        float cropScale = props.TryGetValue(KeyPrefix + "crop_scale", out var cs) && float.TryParse(cs, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : 1f;
        return new KeypointModelMetadata
        {
            Name = props.GetValueOrDefault(KeyPrefix + "name", ""),
            InputHeight = GetInt("input_height"),
            InputWidth = GetInt("input_width"),
            KeypointCount = GetInt("keypoint_count"),
            OutputKind = outputKind,
            HeatmapHeight = props.ContainsKey(KeyPrefix + "heatmap_height") ? GetInt("heatmap_height") : 0,
            HeatmapWidth = props.ContainsKey(KeyPrefix + "heatmap_width") ? GetInt("heatmap_width") : 0,
            Normalization = props.GetValueOrDefault(KeyPrefix + "normalization", Preprocessing.GrayscaleNormalization.Name),
            CropScale = cropScale,
            CropSquare = props.GetValueOrDefault(KeyPrefix + "crop_square", "true") == "true",
            TrainingData = props.GetValueOrDefault(KeyPrefix + "training_data", ""),
            OutputActivation = outputActivation,
            HeatmapTarget = Codecs.HeatmapTarget.Parse(props.GetValueOrDefault(KeyPrefix + "heatmap_target")),
            Refinement = refinement,
            Offsets = offsets,
            ShapePrior = shapePrior,
            Members = props.ContainsKey(KeyPrefix + "ensemble_members") ? GetInt("ensemble_members") : 1,
            FlipInGraph = props.GetValueOrDefault(KeyPrefix + "flip_in_graph", "false") switch
            {
                "true" => true,
                "false" => false,
                var other => throw new InvalidDataException($"{source}: ONNX metadata '{KeyPrefix}flip_in_graph' = '{other}'; expected 'true' or 'false'."),
            },
        };
    }
}
