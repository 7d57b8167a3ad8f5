using System.Globalization;
using KeypointML.Scoring;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Training.Heatmaps;

/// <summary>The heatmap a keypoint is trained towards.</summary>
public enum HeatmapTargetKind
{
    /// <summary>A 2-D Gaussian around the keypoint (peak 1), sigma in cells.</summary>
    Gaussian,
    /// <summary>A single 1 at the keypoint's cell, 0 elsewhere (the seed's "bells and whistles").</summary>
    ZeroOne,
}

/// <summary>The per-cell loss between output and target heatmaps.</summary>
public enum HeatmapLossKind
{
    /// <summary>Squared error of the raw output.</summary>
    Mse,
    /// <summary>Per-pixel logistic loss (binary cross-entropy of the output logits), optionally with a positive weight.</summary>
    Logistic,
}

/// <summary>
/// Heatmap training: targets rendered per batch from the augmented keypoints (<see cref="HeatmapTargets"/>), MSE or
/// logistic loss, and decoding through the library's <see cref="HeatmapDecoder"/> (the inference decoder), so the
/// validation keypoint error is what the ML.NET pipeline will see.
/// </summary>
/// <remarks>
/// <para>Reduction: summed over the cells of a map, averaged over maps (keypoints x batch). Adam adds the weight decay to
/// the gradient, so the loss scale is not free: a plain mean over 68 x 56 x 56 cells would shrink the gradients ~3000x
/// and let the weight decay dominate. Per map, the zero-one logistic loss is the cross-entropy of the keypoint's cell in
/// nats (about ln 3136 = 8 for a uniform guess), which reads naturally.</para>
/// <para>Positive weight (logistic loss only): multiplies the loss of target-1 cells. One cell of 3136 is positive in a
/// zero-one map; with the prior initialisation of the head bias (<see cref="InitialLogit"/>) the positive and the
/// negatives already pull equally at the start, and a weight changes the calibration of the peak (the confidence) rather
/// than where the argmax falls. It stays an option for experiments.</para>
/// </remarks>
public sealed record HeatmapObjective(HeatmapTargetKind Target, HeatmapLossKind LossKind, int Height, int Width, float Sigma = 1.5f,
    float PositiveWeight = 1f, HeatmapRefinement Refinement = HeatmapRefinement.None) : ITrainingObjective
{
    public string Fingerprint => FormattableString.Invariant(
        $"heatmap={Target},{LossKind},{Height}x{Width},sigma={(Target == HeatmapTargetKind.Gaussian ? Sigma : 0):R},pw={(LossKind == HeatmapLossKind.Logistic ? PositiveWeight : 1):R}");

    public string LossName => LossKind == HeatmapLossKind.Mse ? "MSE per map" : "BCE per map";

    public bool LossIsKeypointMse => false;

    /// <summary>Whether the network's output is logits (the exported model then appends a sigmoid).</summary>
    public bool OutputIsLogits => LossKind == HeatmapLossKind.Logistic;

    public string Describe() => Target == HeatmapTargetKind.Gaussian
        ? string.Create(CultureInfo.InvariantCulture, $"Gaussian targets (sigma {Sigma:G3} cells), {LossKind} loss{(OutputIsLogits && PositiveWeight != 1 ? $", positive weight {PositiveWeight:G4}" : "")}, {Height}x{Width} heatmaps")
        : string.Create(CultureInfo.InvariantCulture, $"zero-one targets, {LossKind} loss{(OutputIsLogits && PositiveWeight != 1 ? $", positive weight {PositiveWeight:G4}" : "")}, {Height}x{Width} heatmaps");

    public void Validate()
    {
        if (Height < 1 || Width < 1) throw new ArgumentException($"Heatmaps must have at least one cell; got {Height}x{Width}.");
        if (Target == HeatmapTargetKind.Gaussian && !(Sigma > 0)) throw new ArgumentException($"--sigma must be positive; got {Sigma}.");
        if (!(PositiveWeight > 0)) throw new ArgumentException($"--pos-weight must be positive; got {PositiveWeight}.");
        if (Target == HeatmapTargetKind.ZeroOne && LossKind == HeatmapLossKind.Mse)
            throw new ArgumentException("Zero-one targets are trained with the logistic loss (MSE towards a single 1 among thousands of 0s learns to output 0).");
    }

    /// <summary>The target maps <c>[B, K, h, w]</c> for normalized keypoints <c>[B, 2K]</c>.</summary>
    public Tensor Targets(Tensor keypoints) => Target == HeatmapTargetKind.Gaussian
        ? HeatmapTargets.Gaussian(keypoints, Height, Width, Sigma)
        : HeatmapTargets.ZeroOne(keypoints, Height, Width);

    /// <summary>
    /// The mean target value of a map: 1 / cells for zero-one, the Gaussian's sum 2 pi sigma^2 / cells for Gaussian (a
    /// keypoint well inside the map).
    /// </summary>
    public double MeanTarget => Math.Min(1.0, (Target == HeatmapTargetKind.ZeroOne ? 1.0 : 2 * Math.PI * Sigma * Sigma) / (Height * Width));

    /// <summary>
    /// The constant output that minimises the loss before the network knows anything: for the logistic loss the logit of
    /// the mean target (with the positive weight: <c>ln(w p / (1 - p))</c>); for MSE the mean target itself. Used as the
    /// head's initial bias.
    /// </summary>
    public float InitialLogit
    {
        get
        {
            double p = MeanTarget;
            return LossKind == HeatmapLossKind.Mse ? (float)p : (float)Math.Log(PositiveWeight * p / (1 - p));
        }
    }

    public Tensor Loss(Tensor output, Tensor keypoints)
    {
        if (output.dim() != 4 || output.shape[2] != Height || output.shape[3] != Width)
            throw new ArgumentException($"The network output is [{string.Join(", ", output.shape)}]; the objective expects [B, K, {Height}, {Width}].");
        using var scope = NewDisposeScope();
        var target = Targets(keypoints).to(output.dtype);
        Tensor perCell = LossKind == HeatmapLossKind.Mse
            ? (output - target).square()
            // BCE with logits, stable: -w y log s(z) - (1 - y) log(1 - s(z)) = w y softplus(-z) + (1 - y) softplus(z).
            : PositiveWeight * target * nn.functional.softplus(-output) + (1 - target) * nn.functional.softplus(output);
        long maps = output.shape[0] * output.shape[1];
        return (perCell.sum() / maps).MoveToOuterDisposeScope();
    }

    /// <summary>Decodes with the library's <see cref="HeatmapDecoder"/> (argmax, or the refinement of this objective).</summary>
    public Tensor Decode(Tensor output) => Decode(output, Refinement);

    /// <summary>Decodes <c>[B, K, h, w]</c> maps with <see cref="HeatmapDecoder"/> into <c>[B, 2K]</c> normalized keypoints.</summary>
    public static Tensor Decode(Tensor output, HeatmapRefinement refinement)
    {
        int b = (int)output.shape[0], k = (int)output.shape[1], h = (int)output.shape[2], w = (int)output.shape[3];
        float[] maps;
        using (var c = output.detach().to(ScalarType.Float32).cpu().contiguous())
            maps = c.data<float>().ToArray();
        var keypoints = new float[b * 2 * k];
        var confidence = new float[k];
        int perFace = k * h * w;
        for (int n = 0; n < b; n++)
            HeatmapDecoder.Decode(maps.AsSpan(n * perFace, perFace), k, h, w, refinement, keypoints.AsSpan(n * 2 * k, 2 * k), confidence);
        return tensor(keypoints).reshape(b, 2 * k);
    }
}
