using KeypointML.Codecs;

namespace KeypointML.Detection;

/// <summary>
/// The output of an SSD-style anchor detector (MediaPipe BlazeFace): per anchor a score logit and 16 regressions (box
/// centre offset and size, then 6 keypoint offsets, in input pixels relative to the anchor's centre). Decodes them
/// into candidates in normalized input coordinates (0..1 across the square input) and merges overlapping candidates by
/// MediaPipe's weighted non-maximum suppression (the score-weighted mean of a cluster, with the cluster's best score).
/// </summary>
/// <remarks>Anchors as MediaPipe's SsdAnchorsCalculator makes them for BlazeFace: one anchor grid per layer, anchor
/// centres at the cell centres ((i + 0.5) / cells), all anchors of a cell at the same centre, size 1 (the regressions
/// are absolute sizes).</remarks>
public sealed class AnchorBoxCodec : IModelOutputCodec
{
    /// <summary>Values per anchor: 4 box values and 6 (x, y) keypoints.</summary>
    public const int ValuesPerAnchor = 16;

    private readonly float[] _anchorX, _anchorY;

    /// <param name="inputSize">Side of the square model input in pixels.</param>
    /// <param name="layers">Per output layer: cells per row and anchors per cell, in output order.</param>
    public AnchorBoxCodec(int inputSize, IReadOnlyList<(int Cells, int Anchors)> layers)
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The input size must be positive.");
        InputSize = inputSize;
        Layers = layers;
        var xs = new List<float>();
        var ys = new List<float>();
        foreach (var (cells, anchors) in layers)
            for (int j = 0; j < cells; j++)
                for (int i = 0; i < cells; i++)
                    for (int a = 0; a < anchors; a++)
                    {
                        xs.Add((i + 0.5f) / cells);
                        ys.Add((j + 0.5f) / cells);
                    }
        _anchorX = [.. xs];
        _anchorY = [.. ys];
    }

    /// <summary>BlazeFace's layout: 16x16 cells with 2 anchors and 8x8 cells with 6 anchors (896 anchors).</summary>
    public static AnchorBoxCodec BlazeFace(int inputSize) => new(inputSize, [(16, 2), (8, 6)]);

    /// <summary>Side of the square input.</summary>
    public int InputSize { get; }
    /// <summary>The anchor layers.</summary>
    public IReadOnlyList<(int Cells, int Anchors)> Layers { get; }
    /// <summary>Number of anchors.</summary>
    public int AnchorCount => _anchorX.Length;

    /// <inheritdoc />
    public string Kind => "anchors";
    /// <inheritdoc />
    public IReadOnlyList<int> OutputShape => [AnchorCount, ValuesPerAnchor + 1];
    /// <inheritdoc />
    public int OutputLength => AnchorCount * (ValuesPerAnchor + 1);
    /// <summary>Scores are logits; the decode applies the sigmoid (the graph does not).</summary>
    public OutputActivation Activation => OutputActivation.None;

    /// <summary>A decoded candidate in normalized input coordinates.</summary>
    public readonly record struct Candidate(float CenterX, float CenterY, float Width, float Height, float Score, float[] Keypoints)
    {
        internal float Left => CenterX - Width / 2;
        internal float Top => CenterY - Height / 2;
    }

    /// <summary>The candidates whose score (sigmoid of the logit) is at least <paramref name="threshold"/>.</summary>
    /// <param name="logits">One score logit per anchor, in anchor order.</param>
    /// <param name="regressions">16 values per anchor, in anchor order.</param>
    /// <param name="threshold">Lowest score kept.</param>
    public List<Candidate> Decode(ReadOnlySpan<float> logits, ReadOnlySpan<float> regressions, float threshold)
    {
        if (logits.Length != AnchorCount || regressions.Length != AnchorCount * ValuesPerAnchor)
            throw new ArgumentException($"The detector gave {logits.Length} scores and {regressions.Length} regressions; {AnchorCount} anchors need {AnchorCount} and {AnchorCount * ValuesPerAnchor}.");
        var result = new List<Candidate>();
        float scale = 1f / InputSize;
        for (int a = 0; a < AnchorCount; a++)
        {
            float score = 1f / (1f + MathF.Exp(-logits[a]));
            if (!(score >= threshold)) continue;
            var r = regressions.Slice(a * ValuesPerAnchor, ValuesPerAnchor);
            var keypoints = new float[2 * DetectedFace.BlazeFaceKeypointCount];
            for (int k = 0; k < DetectedFace.BlazeFaceKeypointCount; k++)
            {
                keypoints[2 * k] = _anchorX[a] + r[4 + 2 * k] * scale;
                keypoints[2 * k + 1] = _anchorY[a] + r[5 + 2 * k] * scale;
            }
            result.Add(new Candidate(_anchorX[a] + r[0] * scale, _anchorY[a] + r[1] * scale, r[2] * scale, r[3] * scale, score, keypoints));
        }
        return result;
    }

    /// <summary>MediaPipe's weighted non-maximum suppression: the best remaining candidate and every candidate overlapping
    /// it by at least <paramref name="overlap"/> (IoU) become one face, their score-weighted mean, with the best score.</summary>
    public static List<Candidate> WeightedNms(List<Candidate> candidates, float overlap)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var result = new List<Candidate>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            var split = remaining.ToLookup(c => Iou(best, c) >= overlap);
            var cluster = split[true].ToList();
            remaining = split[false].ToList();
            if (!cluster.Contains(best)) cluster.Add(best);   // a degenerate (zero-area) best candidate still counts once
            float total = cluster.Sum(c => c.Score);
            float Mean(Func<Candidate, float> f) => cluster.Sum(c => f(c) * c.Score) / total;
            var keypoints = new float[best.Keypoints.Length];
            for (int k = 0; k < keypoints.Length; k++) keypoints[k] = Mean(c => c.Keypoints[k]);
            result.Add(new Candidate(Mean(c => c.CenterX), Mean(c => c.CenterY), Mean(c => c.Width), Mean(c => c.Height), best.Score, keypoints));
        }
        return result;
    }

    /// <summary>Intersection over union of two candidates' boxes (0 when either has no area).</summary>
    public static float Iou(in Candidate a, in Candidate b)
    {
        float w = MathF.Min(a.Left + a.Width, b.Left + b.Width) - MathF.Max(a.Left, b.Left);
        float h = MathF.Min(a.Top + a.Height, b.Top + b.Height) - MathF.Max(a.Top, b.Top);
        if (!(w > 0 && h > 0)) return 0;
        float inter = w * h, union = a.Width * a.Height + b.Width * b.Height - inter;
        return union > 0 ? inter / union : 0;
    }
}
