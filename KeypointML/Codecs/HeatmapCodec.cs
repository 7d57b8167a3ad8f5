using KeypointML.Models;

namespace KeypointML.Codecs;

/// <summary>
/// One heatmap per keypoint, <c>[K, h, w]</c>. Cell <c>(j, i)</c> stands for normalized <c>((i + 0.5) / w, (j + 0.5) / h)</c>,
/// so a keypoint at normalized <c>x</c> lies at <c>x w - 0.5</c> in cell units and in cell <c>floor(x w)</c>.
/// Encode renders the <see cref="Target"/>; decode takes each map's argmax, refined below one cell by
/// <see cref="Refinement"/>, and a confidence from the map's spread around the point (<see cref="HeatmapDecoder.SpreadConfidence"/>).
/// </summary>
public sealed class HeatmapCodec : KeypointCodec
{
    /// <param name="keypointCount">K.</param>
    /// <param name="height">Heatmap rows (h).</param>
    /// <param name="width">Heatmap columns (w).</param>
    /// <param name="target">What training renders; null when unknown (a model exported without it: decoding only).</param>
    /// <param name="activation">What the exported graph ends in (a sigmoid for networks trained on logits).</param>
    /// <param name="refinement">The decoder's sub-cell step.</param>
    public HeatmapCodec(int keypointCount, int height, int width, HeatmapTarget? target = null,
        OutputActivation activation = OutputActivation.None, HeatmapRefinement refinement = HeatmapRefinement.None) : base(keypointCount)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Heatmaps must have at least one cell; got {height}x{width}.");
        if (!Enum.IsDefined(refinement)) throw new ArgumentOutOfRangeException(nameof(refinement), refinement, "Unknown heatmap refinement.");
        Height = height;
        Width = width;
        Target = target;
        Activation = activation;
        Refinement = refinement;
    }

    /// <summary>Heatmap rows.</summary>
    public int Height { get; }
    /// <summary>Heatmap columns.</summary>
    public int Width { get; }
    /// <summary>The training target (null when the model does not record it).</summary>
    public HeatmapTarget? Target { get; }
    /// <summary>The decoder's sub-cell step.</summary>
    public HeatmapRefinement Refinement { get; }

    /// <inheritdoc />
    public override string Kind => "heatmaps";

    /// <inheritdoc />
    public override IReadOnlyList<int> OutputShape => [KeypointCount, Height, Width];

    /// <inheritdoc />
    public override OutputActivation Activation { get; }

    /// <inheritdoc />
    public override bool HasConfidence => true;

    /// <summary>The same codec with another sub-cell refinement.</summary>
    public HeatmapCodec WithRefinement(HeatmapRefinement refinement) => new(KeypointCount, Height, Width, Target, Activation, refinement);

    /// <summary>
    /// Renders the target maps. Gaussian: <c>exp(-d^2 / (2 sigma^2))</c> with d the distance in cells from the cell centre
    /// to the keypoint (1 at most, largest in the keypoint's cell; a keypoint outside the crop leaves a tail, or nothing,
    /// at the nearest border). Zero-one: a single 1 in the keypoint's cell, clamped to the map, so every map has one 1.
    /// </summary>
    public override void Encode(ReadOnlySpan<float> keypoints, Span<float> target)
    {
        if (keypoints.Length != 2 * KeypointCount || target.Length != OutputLength)
            throw new ArgumentException($"Encoding {KeypointCount} keypoints needs {2 * KeypointCount} coordinates and a target of {OutputLength}; got {keypoints.Length} and {target.Length}.");
        var kind = Target ?? throw new InvalidOperationException("This heatmap codec has no training target (the model's metadata does not record one).");
        int cells = Height * Width;
        if (kind.Kind == HeatmapTargetKind.ZeroOne)
        {
            target.Clear();
            for (int k = 0; k < KeypointCount; k++)
            {
                int i = Math.Clamp((int)MathF.Floor(keypoints[2 * k] * Width), 0, Width - 1);
                int j = Math.Clamp((int)MathF.Floor(keypoints[2 * k + 1] * Height), 0, Height - 1);
                target[k * cells + j * Width + i] = 1f;
            }
            return;
        }
        // Separable: the 2-D Gaussian is the outer product of one Gaussian along x and one along y.
        float twoSigmaSquared = 2 * kind.Sigma * kind.Sigma;
        Span<float> gx = Width <= 512 ? stackalloc float[Width] : new float[Width];
        Span<float> gy = Height <= 512 ? stackalloc float[Height] : new float[Height];
        for (int k = 0; k < KeypointCount; k++)
        {
            float x = keypoints[2 * k] * Width - 0.5f, y = keypoints[2 * k + 1] * Height - 0.5f;
            for (int i = 0; i < Width; i++) { float d = i - x; gx[i] = MathF.Exp(-(d * d) / twoSigmaSquared); }
            for (int j = 0; j < Height; j++) { float d = j - y; gy[j] = MathF.Exp(-(d * d) / twoSigmaSquared); }
            var map = target.Slice(k * cells, cells);
            for (int j = 0; j < Height; j++)
                for (int i = 0; i < Width; i++)
                    map[j * Width + i] = gy[j] * gx[i];
        }
    }

    /// <inheritdoc />
    public override void Decode(ReadOnlySpan<float> output, Span<float> keypoints, Span<float> confidence)
    {
        CheckOutput(output, keypoints, confidence);
        HeatmapDecoder.Decode(output, KeypointCount, Height, Width, Refinement, keypoints, confidence);
    }

    /// <inheritdoc />
    public override KeypointModelMetadata DescribeIn(KeypointModelMetadata metadata) => metadata with
    {
        KeypointCount = KeypointCount, OutputKind = KeypointOutputKind.Heatmaps, HeatmapHeight = Height, HeatmapWidth = Width,
        OutputActivation = Activation, HeatmapTarget = Target,
    };
}
