using System.Buffers;
using KeypointML.Engine;
using KeypointML.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KeypointML.Detection;

/// <summary>
/// YuNet (W. Wu, H. Peng, S. Yu, 2023; OpenCV Zoo), a face detector trained on WIDER FACE for ordinary photos: faces from
/// about 10 to 300 pixels, each with a box, a score and five points (the subject's right eye, left eye, nose tip, right
/// and left mouth corners). The image is scaled by <see cref="FaceDetectionOptions.MinFaceSize"/> (<see cref="WorkingScale"/>)
/// and searched whole (the graph takes any size that is a multiple of 32); when that search leaves doubt
/// (<see cref="ExtraSearches"/>), again at half the scale, upright and turned a quarter each way, and at a quarter of it
/// for faces too large for the network. Thread-safe.
/// </summary>
/// <remarks>Decoding follows OpenCV's <c>FaceDetectorYN</c>: per grid cell of strides 8, 16 and 32, score =
/// sqrt(cls x obj), box centre ((col + b0) S, (row + b1) S), size (exp(b2) S, exp(b3) S), point k at
/// ((col + k0) S, (row + k1) S), in input pixels whose edges are at whole numbers; then greedy non-maximum suppression.</remarks>
public sealed class YuNetDetector : IFaceDetector
{
    /// <summary>Strides of YuNet's three output levels.</summary>
    private static readonly int[] Strides = [8, 16, 32];
    private const int Alignment = 32;
    private const int PointCount = 5;

    private readonly InferenceSession _session;
    private readonly SessionOptions? _ownedOptions;
    private readonly string[] _outputNames;

    /// <summary>Smallest face, in pixels of the network's input, that YuNet finds reliably (its authors: about 10 px;
    /// chosen on the WIDER FACE dev photos, models/yunet.md).</summary>
    public const float SmallestFace = 10f;
    /// <summary>Largest face, in pixels of the network's input, it was trained on (about 300 px): among the extra searches,
    /// an image larger than this at its working scale is searched smaller for faces that fill it.</summary>
    public const float LargestFace = 300f;
    /// <summary>How much smaller the large-face search is than the first.</summary>
    public const float LargeFaceScale = 0.25f;

    private YuNetDetector(string path, InferenceSession session, SessionOptions? ownedOptions, string device)
    {
        Path = path;
        _session = session;
        _ownedOptions = ownedOptions;
        Device = device;
        if (!session.InputMetadata.TryGetValue("input", out var input) || input.Dimensions.Length != 4 || input.Dimensions[1] != 3)
            throw new InvalidDataException($"{path}: YuNet has one input 'input' [N, 3, H, W]; this graph has {string.Join(", ", session.InputMetadata.Select(i => $"{i.Key} [{string.Join(", ", i.Value.Dimensions)}]"))}.");
        if (input.Dimensions[2] > 0 || input.Dimensions[3] > 0)
            throw new InvalidDataException($"{path}: this YuNet graph takes only {input.Dimensions[3]}x{input.Dimensions[2]} images; use the dynamic-size export (yunet_s_dynamic.onnx, shipped as models/yunet.onnx).");
        _outputNames = [.. Strides.SelectMany(s => new[] { $"cls_{s}", $"obj_{s}", $"bbox_{s}", $"kps_{s}" })];
        var missing = _outputNames.Where(n => !session.OutputMetadata.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{path}: not a YuNet graph: no output {string.Join(", ", missing)}.");
    }

    /// <inheritdoc />
    public string Path { get; }
    /// <inheritdoc />
    public string Device { get; }

    /// <summary>Whether the ONNX file has YuNet's outputs (reads the graph's signature only).</summary>
    public static bool IsYuNet(string path) =>
        OnnxSessions.ReadSignature(path, session => session.OutputMetadata.ContainsKey("cls_8") && session.OutputMetadata.ContainsKey("kps_8"));

    /// <summary>Opens a YuNet ONNX file (dynamic input size); errors name the file.</summary>
    public static YuNetDetector Open(string path, KeypointModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: face detector model not found.", path);
        var (session, owned, device) = OnnxSessions.Create(path, options ?? new KeypointModelOptions());
        try { return new YuNetDetector(path, session, owned, device); }
        catch
        {
            session.Dispose();
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>The scale the image is searched at: faces of <see cref="FaceDetectionOptions.MinFaceSize"/> pixels become
    /// <see cref="SmallestFace"/> pixels (a smaller minimum enlarges the image, at most 4 times).</summary>
    public static float WorkingScale(FaceDetectionOptions options) =>
        SmallestFace / Math.Max(options.MinFaceSize, SmallestFace / 4);

    /// <summary>Side of a face, in the network's input pixels, when a candidate gets its second look (a larger face is searched
    /// at its own size: shrinking it lost faces on the dev photos).</summary>
    public const float SecondLookFace = 48f;
    /// <summary>The second look searches a square this many times the candidate's longer side.</summary>
    public const float SecondLookContext = 3f;

    /// <inheritdoc />
    public IReadOnlyList<DetectedFace> Detect(ImagePixels image, FaceDetectionOptions? options = null)
    {
        options ??= new FaceDetectionOptions();
        options.Validate();
        float threshold = options.ScoreThreshold ?? FaceDetectionDefaults.YuNetScoreThreshold;
        float look = Math.Min(threshold, options.SecondLookThreshold ?? FaceDetectionDefaults.SecondLookThreshold);
        float scale = WorkingScale(options);
        var candidates = SearchWhole(image, scale, look, threshold, options.ExtraSearches, options.NmsOverlap);
        var faces = new List<Candidate>();
        foreach (var kept in Suppress(candidates, options.NmsOverlap))
        {
            var c = options.ExtraSearches != ExtraSearches.Never ? kept with { Face = kept.Face with { RollHypotheses = RollHypotheses(kept, candidates, options.NmsOverlap) } } : kept;
            var f = c.Face;
            if (!(MathF.Max(f.Width, f.Height) >= options.MinFaceSize)) continue;
            if (f.Score >= threshold) faces.Add(c);
            // The first search's box (the enlarged search confirms the face; its box was no better on the dev photos).
            else if (SecondLook(image, c) is { } confirmed && confirmed.Score >= threshold) faces.Add(c with { Face = f with { Score = confirmed.Score } });
            // A rolled head scores lower than the same head upright: searched again levelled by its own eye line.
            else if (LevelledLook(image, c) is { } level && level >= threshold) faces.Add(c with { Face = f with { Score = level } });
        }
        return Suppress(faces, options.NmsOverlap).Take(options.MaxFaces).Select(c => c.Face).ToList();
    }

    /// <summary>With turned searches, a search keeps only faces it sees rolled by at most this many degrees (the four
    /// searches overlap by 15 degrees each way).</summary>
    public const float MaxRollInSearch = 60f;

    /// <summary>How much smaller the extra searches, upright and turned, are than the first one.</summary>
    public const float HalfScale = 0.5f;

    // The rolls the searches that found a face give it, best-scored first, one per search (its best-scored candidate
    // overlapping the face), rolls within HypothesisSpacing of an earlier one left out. YuNet's five points are pulled
    // towards upright in the image it searched and now and then badly wrong for a head rolled 30-60 degrees, so which
    // search saw the head right is left to the landmark model (FaceEngine keeps the crop whose points it is surest of).
    private static float[] RollHypotheses(Candidate face, List<Candidate> candidates, float overlap)
    {
        var rolls = new List<float>();
        foreach (var c in candidates.Where(c => KeypointBoxes.Iou(c.Face.Box, face.Face.Box) > overlap)
                     .GroupBy(c => c.Turns).Select(g => g.MaxBy(c => c.Face.Score)).OrderByDescending(c => c.Face.Score))
        {
            float roll = DetectionRegions.RollOf(c.Face);
            if (rolls.TrueForAll(r => MathF.Abs(MathF.IEEERemainder(roll - r, 2 * MathF.PI)) > HypothesisSpacing * MathF.PI / 180)) rolls.Add(roll);
        }
        return [.. rolls];
    }

    /// <summary>Searches' rolls for one face closer than this many degrees count as one.</summary>
    public const float HypothesisSpacing = 20f;

    // A detection and the quarter turns (clockwise) of the image it was found in.
    private readonly record struct Candidate(DetectedFace Face, int Turns);

    // The candidate searched again in a square around it, enlarged so that it is SecondLookFace pixels: the best-scored
    // detection there that overlaps it with IoU >= 0.5, or null.
    private DetectedFace? SecondLook(ImagePixels image, Candidate candidate)
    {
        var c = candidate.Face;
        float side = MathF.Max(c.Width, c.Height) * SecondLookContext;
        float cx = c.Left + c.Width / 2, cy = c.Top + c.Height / 2;
        int x0 = Math.Max(0, (int)MathF.Floor(cx - side / 2)), y0 = Math.Max(0, (int)MathF.Floor(cy - side / 2));
        int x1 = Math.Min(image.Width, (int)MathF.Ceiling(cx + side / 2)), y1 = Math.Min(image.Height, (int)MathF.Ceiling(cy + side / 2));
        if (x1 - x0 < 2 || y1 - y0 < 2) return null;
        float zoom = MathF.Max(1f, SecondLookFace / MathF.Max(c.Width, c.Height));
        var found = Search(image, new PixelRect(x0, y0, x1 - x0, y1 - y0), zoom, 0f, candidate.Turns);
        return found.Where(f => KeypointBoxes.Iou(f.Face.Box, c.Box) >= 0.5f).Select(f => f.Face).MaxBy(f => f.Score);
    }

    /// <summary>A candidate whose five points roll at least this many degrees gets its second look levelled.</summary>
    public const float LevelledLookRoll = 15f;

    // The candidate's square (SecondLookContext times its size, SecondLookFace pixels across its face at least) turned by
    // the roll of its own points so that the head is level, searched again: the best score of a face found at the square's
    // centre (within a quarter of the face's size) and of about the candidate's size, or null when the head is nearly
    // upright (the plain second look has seen it) or nothing is found there.
    private float? LevelledLook(ImagePixels image, Candidate candidate)
    {
        var c = candidate.Face;
        float roll = DetectionRegions.RollOf(c);
        if (!(MathF.Abs(roll) >= LevelledLookRoll * MathF.PI / 180)) return null;
        // The upright face's size: the candidate's box holds the turned face.
        float turned = MathF.Abs(MathF.Cos(roll)) + MathF.Abs(MathF.Sin(roll));
        float face = MathF.Max(c.Width, c.Height) / turned;
        float zoom = MathF.Max(1f, SecondLookFace / face);
        int size = (int)MathF.Ceiling(face * SecondLookContext * zoom);
        if (size < 16 || size > 4096) return null;
        int padded = Padded(size);
        using var value = Input(padded, padded);
        DetectorInput.LevelledBgrPlanes(image, c.Left + c.Width / 2 - 0.5f, c.Top + c.Height / 2 - 0.5f, face * SecondLookContext, roll, size, padded,
            value.GetTensorMutableDataAsSpan<float>());
        float? best = null;
        float expected = face * zoom, centre = size / 2f;
        foreach (var f in Decode(value, padded, padded, 0f, MathF.PI, static (u, v) => (u, v), 0))
        {
            float fx = f.Face.Left + f.Face.Width / 2, fy = f.Face.Top + f.Face.Height / 2, fs = MathF.Max(f.Face.Width, f.Face.Height);
            if (MathF.Abs(fx - centre) > expected / 4 || MathF.Abs(fy - centre) > expected / 4 || fs < expected / 1.5f || fs > expected * 1.5f) continue;
            if (best is null || f.Face.Score > best) best = f.Face.Score;
        }
        return best;
    }

    // Every candidate above the threshold in the whole image: searched upright at `scale`, then, when `policy` asks for
    // it, again at half the scale upright and turned a quarter each way, and at a quarter of the scale where the image can
    // hold a face larger than the network knows. The smaller searches are resized from the first search's planes (the
    // pixels converted once), the three at half scale from one half-size copy.
    private List<Candidate> SearchWhole(ImagePixels image, float scale, float threshold, float keep, ExtraSearches policy, float overlap)
    {
        var whole = new PixelRect(0, 0, image.Width, image.Height);
        var (w, h) = Scaled(image.Width, image.Height, scale);
        int pw = Padded(w), ph = Padded(h);
        using var first = Input(pw, ph);
        var planes = first.GetTensorMutableDataAsSpan<float>();
        DetectorInput.BgrPlanes(image, whole, w, h, pw, ph, planes);
        var found = Decode(first, pw, ph, threshold, MathF.PI, ToImage(whole, w, h, 0), 0);
        if (!NeedsExtraSearches(Suppress(found, overlap), policy, keep)) return found;

        // With turned searches, a face is left to the search that sees it closest to upright: one a search sees turned by
        // more than MaxRollInSearch has points that cannot be trusted (eyes swapped, say).
        float maxRoll = MaxRollInSearch * MathF.PI / 180;
        found.RemoveAll(c => MathF.Abs(DetectionRegions.RollOf(c.Face)) > maxRoll);
        var firstSearch = found.ToList();
        // Faces larger than the network knows: a smaller search, only where the image can hold such a face.
        if (Math.Min(image.Width, image.Height) * scale > LargestFace)
        {
            var (lw, lh) = Scaled(image.Width, image.Height, scale * LargeFaceScale);
            using var large = Input(Padded(lw), Padded(lh));
            DetectorInput.Resize(planes, w, h, pw, pw * ph, lw, lh, Padded(lw), Padded(lh), large.GetTensorMutableDataAsSpan<float>());
            found.AddRange(Decode(large, Padded(lw), Padded(lh), threshold, maxRoll, ToImage(whole, lw, lh, 0), 0));
        }
        // At half the scale: upright (YuNet scores some faces of 40-160 px higher there than at full size), and turned a
        // quarter each way for heads rolled past about 45 degrees; turned faces are found from twice MinFaceSize. No
        // upside-down search: in it YuNet takes many heads rolled 45-60 degrees for upright ones with swapped eyes, and
        // such photos are rare.
        var (hw, hh) = Scaled(image.Width, image.Height, scale * HalfScale);
        var half = ArrayPool<float>.Shared.Rent(3 * hw * hh);
        try
        {
            DetectorInput.Resize(planes, w, h, pw, pw * ph, hw, hh, hw, hh, half.AsSpan(0, 3 * hw * hh));
            foreach (int turns in (ReadOnlySpan<int>)[0, 1, 3])
            {
                bool sideways = turns % 2 == 1;
                int tpw = Padded(sideways ? hh : hw), tph = Padded(sideways ? hw : hh);
                using var value = Input(tpw, tph);
                DetectorInput.Turn(half.AsSpan(0, 3 * hw * hh), hw, hh, turns, tpw, tph, value.GetTensorMutableDataAsSpan<float>());
                var seen = Decode(value, tpw, tph, threshold, maxRoll, ToImage(whole, hw, hh, turns), turns);
                // Upright at half scale only adds faces the first search was not sure of: its box of a face the first
                // search found can be larger and scored higher, and then took two neighbouring faces for one (a held-out training photo).
                if (turns == 0) seen.RemoveAll(c => firstSearch.Exists(f => f.Face.Score >= keep && KeypointBoxes.Iou(f.Face.Box, c.Face.Box) > overlap));
                found.AddRange(seen);
            }
        }
        finally { ArrayPool<float>.Shared.Return(half); }
        return found;
    }

    // Whether the extra searches run: always, never, or when the upright one leaves doubt: no face at the threshold faces
    // are kept from, a candidate scored under SureScore (a face the second look would otherwise decide alone, or a head
    // lying on its side, which YuNet takes for an upright one at 0.80-0.89), or a head rolled ExtraSearchRoll degrees or
    // more. Candidates are counted once per face (after suppression).
    private static bool NeedsExtraSearches(List<Candidate> upright, ExtraSearches policy, float keep) => policy switch
    {
        ExtraSearches.Never => false,
        ExtraSearches.Always => true,
        _ => !upright.Exists(c => c.Face.Score >= keep)
             || upright.Exists(c => c.Face.Score < MathF.Max(keep, FaceDetectionDefaults.SureScore))
             || upright.Exists(c => MathF.Abs(DetectionRegions.RollOf(c.Face)) >= FaceDetectionDefaults.ExtraSearchRoll * MathF.PI / 180),
    };

    private static int Padded(int size) => (size + Alignment - 1) / Alignment * Alignment;

    // An image (or part) of width x height searched at `scale`: the network's input size before padding, at least 1 x 1.
    private static (int Width, int Height) Scaled(int width, int height, float scale) =>
        (Math.Max(1, (int)MathF.Round(width * scale)), Math.Max(1, (int)MathF.Round(height * scale)));

    private static OrtValue Input(int paddedWidth, int paddedHeight) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, 3, paddedHeight, paddedWidth]);

    // The network's input coordinates (edges at whole numbers) of the part `source` of the image resized to w x h and
    // turned clockwise by `turns` quarter turns -> the image's pixel centres.
    private static Func<float, float, (float X, float Y)> ToImage(PixelRect source, int w, int h, int turns)
    {
        float sx = (float)source.Width / w, sy = (float)source.Height / h, ox = source.X - 0.5f, oy = source.Y - 0.5f;
        return (u, v) =>
        {
            var (x, y) = turns switch
            {
                1 => (v, h - u),
                2 => (w - u, h - v),
                3 => (w - v, u),
                _ => (u, v),
            };
            return (x * sx + ox, y * sy + oy);
        };
    }

    // Every candidate above the threshold in the part `source` of the image searched at `scale`, turned clockwise by
    // `turns` quarter turns, in image pixels.
    private List<Candidate> Search(ImagePixels image, PixelRect source, float scale, float threshold, int turns, float maxRoll = MathF.PI)
    {
        var (w, h) = Scaled(source.Width, source.Height, scale);
        bool sideways = turns % 2 == 1;
        int tw = sideways ? h : w, th = sideways ? w : h;   // the turned image's size
        int pw = Padded(tw), ph = Padded(th);
        using var value = Input(pw, ph);
        var planes = value.GetTensorMutableDataAsSpan<float>();
        if (turns == 0) DetectorInput.BgrPlanes(image, source, w, h, pw, ph, planes);
        else
        {
            var upright = ArrayPool<float>.Shared.Rent(3 * w * h);
            try
            {
                DetectorInput.BgrPlanes(image, source, w, h, w, h, upright.AsSpan(0, 3 * w * h));
                DetectorInput.Turn(upright.AsSpan(0, 3 * w * h), w, h, turns, pw, ph, planes);
            }
            finally { ArrayPool<float>.Shared.Return(upright); }
        }
        return Decode(value, pw, ph, threshold, maxRoll, ToImage(source, w, h, turns), turns);
    }

    // One network run on the planes in `value` (pw x ph) and its decoding: every candidate above the threshold (and, with
    // maxRoll < pi, seen within maxRoll of upright), its box and points taken by `toImage` from the input's edge
    // coordinates to the image's.
    private List<Candidate> Decode(OrtValue value, int pw, int ph, float threshold, float maxRoll, Func<float, float, (float X, float Y)> toImage, int turns)
    {
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, ["input"], [value], _outputNames);
        var found = new List<Candidate>();
        for (int level = 0; level < Strides.Length; level++)
        {
            int stride = Strides[level], cols = pw / stride, rows = ph / stride;
            var cls = results[4 * level].GetTensorDataAsSpan<float>();
            var obj = results[4 * level + 1].GetTensorDataAsSpan<float>();
            var box = results[4 * level + 2].GetTensorDataAsSpan<float>();
            var kps = results[4 * level + 3].GetTensorDataAsSpan<float>();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    int n = r * cols + c;
                    float score = MathF.Sqrt(Math.Clamp(cls[n], 0f, 1f) * Math.Clamp(obj[n], 0f, 1f));
                    if (!(score >= threshold)) continue;
                    float cx = (c + box[4 * n]) * stride, cy = (r + box[4 * n + 1]) * stride;
                    float bw = MathF.Exp(box[4 * n + 2]) * stride, bh = MathF.Exp(box[4 * n + 3]) * stride;
                    var points = new float[2 * PointCount];
                    for (int k = 0; k < PointCount; k++)
                        (points[2 * k], points[2 * k + 1]) = ((c + kps[10 * n + 2 * k]) * stride, (r + kps[10 * n + 2 * k + 1]) * stride);
                    // With turned searches, a face is left to the search that sees it closest to upright: one this search
                    // sees turned by more than MaxRollInSearch has points that cannot be trusted (eyes swapped, say).
                    if (maxRoll < MathF.PI && MathF.Abs(DetectionRegions.RollOf(points)) > maxRoll) continue;
                    for (int k = 0; k < PointCount; k++)
                        (points[2 * k], points[2 * k + 1]) = toImage(points[2 * k], points[2 * k + 1]);
                    var (ax, ay) = toImage(cx - bw / 2, cy - bh / 2);
                    var (bx, by) = toImage(cx + bw / 2, cy + bh / 2);
                    // Box corners are edges: back to KeypointML's box (first pixel's centre, size).
                    float left = MathF.Min(ax, bx), top = MathF.Min(ay, by);
                    found.Add(new Candidate(new DetectedFace(left, top, MathF.Abs(bx - ax), MathF.Abs(by - ay), score, points), turns));
                }
        }
        return found;
    }

    // Greedy non-maximum suppression, best score first (OpenCV's NMSBoxes).
    private static List<Candidate> Suppress(List<Candidate> candidates, float overlap)
    {
        var kept = new List<Candidate>();
        foreach (var c in candidates.OrderByDescending(c => c.Face.Score))
            if (kept.TrueForAll(k => KeypointBoxes.Iou(k.Face.Box, c.Face.Box) <= overlap)) kept.Add(c);
        return kept;
    }

    /// <summary>Frees the session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        _ownedOptions?.Dispose();
    }
}
