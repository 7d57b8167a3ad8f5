using System.Globalization;
using KeypointML.Codecs;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Training.Heatmaps;

/// <summary>The per-cell loss between output and target heatmaps.</summary>
public enum HeatmapLossKind
{
    /// <summary>Squared error of the raw output.</summary>
    Mse,
    /// <summary>Per-pixel logistic loss (binary cross-entropy of the output logits), optionally with a positive weight.</summary>
    Logistic,
    /// <summary>Adaptive wing loss of the raw output (Wang et al., ICCV 2019) with its weighted loss map: for Gaussian targets.</summary>
    AdaptiveWing,
}

/// <summary>
/// Heatmap training on the library's <see cref="HeatmapCodec"/>: targets rendered per batch from the augmented keypoints
/// by the codec's <see cref="HeatmapCodec.Encode"/>, MSE or logistic loss, and validation decoded by the codec after its
/// activation (the sigmoid the exported graph ends in for logistic models), so the validation keypoints are exactly what
/// the ML.NET pipeline decodes from the exported model.
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
/// <para>Adaptive wing (Gaussian targets, raw output): per cell with error d = |output - target| and exponent
/// p = alpha - target, <c>omega ln(1 + (d/eps)^p)</c> below theta and its tangent line <c>A d - C</c> above, with the
/// paper's alpha 2.1, omega 14, eps 1, theta 0.5; each cell weighted 10 where the 3x3-dilated target exceeds 0.2, else 1
/// (its "weighted loss map"). The exponent makes the loss nearly quadratic on background cells (target 0, p 2.1) and
/// close to L1 near the peak (p 1.1), so the few foreground cells are not drowned by thousands of background ones, which
/// is why plain MSE on Gaussian targets lost to zero-one maps here (docs/heatmap-models.md).</para>
/// <para>Teacher weight (distillation, logistic loss): with a teacher's maps for the batch the target of every cell is
/// <c>(1 - a) y + a t</c>, the labelled map blended with the teacher's probabilities; the cross-entropy towards a soft
/// target is the same loss, so nothing else changes. The validation loss is always against the labels alone.</para>
/// <para>Ambiguity weight (logistic loss): adds that multiple of <see cref="AmbiguityLoss"/>, a STAR-style term that
/// measures each map's error in the metric of its own spread, so the jaw's ambiguity along the contour pulls less.</para>
/// </remarks>
public sealed record HeatmapObjective(HeatmapTargetKind Target, HeatmapLossKind LossKind, int Height, int Width, float Sigma = 1.5f,
    float PositiveWeight = 1f, HeatmapRefinement Refinement = HeatmapRefinement.None, float TeacherWeight = 0f,
    float AmbiguityWeight = 0f) : ITrainingObjective
{
    // The teacher part is added only when there is one, so the runs made before distillation existed resume as they were.
    public string Fingerprint => FormattableString.Invariant(
        $"heatmap={Target},{LossKind},{Height}x{Width},sigma={(Target == HeatmapTargetKind.Gaussian ? Sigma : 0):R},pw={(LossKind == HeatmapLossKind.Logistic ? PositiveWeight : 1):R}")
        + (TeacherWeight > 0 ? FormattableString.Invariant($",teacher={TeacherWeight:R}") : "")
        + (AmbiguityWeight > 0 ? FormattableString.Invariant($",ambiguity={AmbiguityWeight:R}") : "");

    /// <summary>The codec the exported model is decoded with: these maps, this target, the sigmoid for logistic models.</summary>
    public HeatmapCodec Codec(int keypointCount) => new(keypointCount, Height, Width,
        Target == HeatmapTargetKind.Gaussian ? HeatmapTarget.Gaussian(Sigma) : HeatmapTarget.ZeroOne,
        OutputIsLogits ? OutputActivation.Sigmoid : OutputActivation.None, Refinement);

    public string LossName => LossKind switch
    {
        HeatmapLossKind.Mse => "MSE per map",
        HeatmapLossKind.AdaptiveWing => "adaptive wing per map",
        _ => AmbiguityWeight > 0 ? "BCE + ambiguity per map" : "BCE per map",
    };

    public bool LossIsKeypointMse => false;

    /// <summary>Whether the network's output is logits (the exported model then appends a sigmoid).</summary>
    public bool OutputIsLogits => LossKind == HeatmapLossKind.Logistic;

    public string Describe() => (Target == HeatmapTargetKind.Gaussian
        ? string.Create(CultureInfo.InvariantCulture, $"Gaussian targets (sigma {Sigma:G3} cells), {LossKind} loss{(OutputIsLogits && PositiveWeight != 1 ? $", positive weight {PositiveWeight:G4}" : "")}, {Height}x{Width} heatmaps")
        : string.Create(CultureInfo.InvariantCulture, $"zero-one targets, {LossKind} loss{(OutputIsLogits && PositiveWeight != 1 ? $", positive weight {PositiveWeight:G4}" : "")}, {Height}x{Width} heatmaps"))
        + (AmbiguityWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $", plus {AmbiguityWeight:G3} x the ambiguity loss") : "");

    public void Validate()
    {
        if (Height < 1 || Width < 1) throw new ArgumentException($"Heatmaps must have at least one cell; got {Height}x{Width}.");
        if (Target == HeatmapTargetKind.Gaussian && !(Sigma > 0)) throw new ArgumentException($"--sigma must be positive; got {Sigma}.");
        if (!(PositiveWeight > 0)) throw new ArgumentException($"--pos-weight must be positive; got {PositiveWeight}.");
        if (Target == HeatmapTargetKind.ZeroOne && LossKind != HeatmapLossKind.Logistic)
            throw new ArgumentException($"Zero-one targets are trained with the logistic loss ({LossKind} towards a single 1 among thousands of 0s learns to output 0).");
        if (!(TeacherWeight >= 0 && TeacherWeight <= 1)) throw new ArgumentException($"--teacher-weight must be in [0, 1]; got {TeacherWeight}.");
        if (TeacherWeight > 0 && LossKind != HeatmapLossKind.Logistic) throw new ArgumentException("Distillation blends probabilities: it needs the logistic loss.");
        if (!(AmbiguityWeight >= 0)) throw new ArgumentException($"--ambiguity-weight must be 0 or more; got {AmbiguityWeight}.");
        if (AmbiguityWeight > 0 && LossKind != HeatmapLossKind.Logistic)
            throw new ArgumentException("The ambiguity loss reads the output as logits of a distribution over cells: it needs the logistic loss.");
    }

    /// <summary>The target maps <c>[B, K, h, w]</c> for normalized keypoints <c>[B, 2K]</c>, rendered by the codec.</summary>
    public Tensor Targets(Tensor keypoints)
    {
        if (keypoints.dim() != 2 || keypoints.shape[1] % 2 != 0)
            throw new ArgumentException($"Keypoints must be [B, 2K]; got [{string.Join(", ", keypoints.shape)}].");
        int b = (int)keypoints.shape[0], k = (int)keypoints.shape[1] / 2;
        var codec = Codec(k);
        float[] points;
        using (var c = keypoints.detach().to(ScalarType.Float32).cpu().contiguous()) points = c.data<float>().ToArray();
        var maps = new float[b * codec.OutputLength];
        for (int n = 0; n < b; n++)
            codec.Encode(points.AsSpan(n * 2 * k, 2 * k), maps.AsSpan(n * codec.OutputLength, codec.OutputLength));
        return tensor(maps, [b, k, Height, Width], device: keypoints.device);
    }

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
            return LossKind == HeatmapLossKind.Logistic ? (float)Math.Log(PositiveWeight * p / (1 - p)) : (float)p;
        }
    }

    public Tensor Loss(Tensor output, Tensor keypoints) => Loss(output, keypoints, null);

    public Tensor Loss(Tensor output, Tensor keypoints, Tensor? teacher)
    {
        if (output.dim() != 4 || output.shape[2] != Height || output.shape[3] != Width)
            throw new ArgumentException($"The network output is [{string.Join(", ", output.shape)}]; the objective expects [B, K, {Height}, {Width}].");
        using var scope = NewDisposeScope();
        // Every Scalar of the arithmetic is made here and held by a `using` local, the alpha of add included: a Scalar
        // TorchSharp makes itself for an operator (1 - target, whose add takes a hidden alpha of 1) is unreachable while
        // its native call reads it, and a garbage collection at that moment lets its finalizer free it; the call then
        // fails now and then ("Expected false to be true ... toFloat", three times in a 120-epoch run).
        using TorchSharp.Scalar one = 1f, weight = PositiveWeight, maps = (float)(output.shape[0] * output.shape[1]),
            labelShare = 1f - TeacherWeight, teacherShare = TeacherWeight;
        var target = Targets(keypoints).to(output.dtype);
        if (teacher is not null && TeacherWeight > 0)
        {
            if (!teacher.shape.SequenceEqual(output.shape))
                throw new ArgumentException($"The teacher's maps are [{string.Join(", ", teacher.shape)}]; the output is [{string.Join(", ", output.shape)}].");
            target = target.mul(labelShare).add(teacher.to(output.dtype), teacherShare);
        }
        Tensor perCell;
        if (LossKind == HeatmapLossKind.Mse) perCell = (output - target).square();
        else if (LossKind == HeatmapLossKind.AdaptiveWing) perCell = AdaptiveWing(output, target);
        else
        {
            // BCE with logits, stable: -w y log s(z) - (1 - y) log(1 - s(z)) = w y softplus(-z) + (1 - y) softplus(z).
            // softplus(z) = relu(z) + log1p(exp(-|z|)), softplus(-z) = softplus(z) - z: no Scalar arguments (torch's
            // softplus takes beta and threshold Scalars that TorchSharp makes itself, the same hazard as above: it failed so
            // at epoch 19 of a distillation run).
            var softplus = output.relu().add(output.abs().neg().exp().log1p(), one);
            var softplusOfMinus = softplus.add(output.neg(), one);
            perCell = (weight * target * softplusOfMinus).add(target.neg().add(one, one) * softplus, one);
        }
        var loss = perCell.sum() / maps;
        if (AmbiguityWeight > 0)
        {
            using TorchSharp.Scalar ambiguityShare = AmbiguityWeight;
            loss = loss.add(AmbiguityLoss.Loss(output, keypoints), ambiguityShare);
        }
        return loss.MoveToOuterDisposeScope();
    }

    // The adaptive wing loss's constants, the paper's (its section 4.1; eps = 1, so d/eps = d).
    private const float AwingOmega = 14f, AwingTheta = 0.5f, AwingAlpha = 2.1f, AwingForegroundWeight = 10f, AwingForegroundThreshold = 0.2f;

    /// <summary>Adaptive wing loss per cell, times its weight map (see the remarks).</summary>
    private static Tensor AdaptiveWing(Tensor output, Tensor target)
    {
        using TorchSharp.Scalar one = 1f, alpha = AwingAlpha, omega = AwingOmega, theta = AwingTheta,
            lnTheta = MathF.Log(AwingTheta), extraWeight = AwingForegroundWeight - 1, threshold = AwingForegroundThreshold;
        var d = (output - target).abs();
        var p = target.neg().add(alpha, one);                          // alpha - y: the exponent, no gradient (y is a label)
        var small = d.pow(p).log1p().mul(omega);                        // omega ln(1 + d^p)
        var thetaPowP = p.mul(lnTheta).exp();                           // theta^p
        // A = omega p theta^(p-1) / (1 + theta^p); C = theta A - omega ln(1 + theta^p): the line that meets the log part
        // at d = theta with the same slope.
        var a = thetaPowP.div(theta).mul(p).mul(omega).div(thetaPowP.add(one, one));
        var c = a.mul(theta).sub(thetaPowP.log1p().mul(omega));
        var large = a.mul(d).sub(c);
        var loss = where(d.lt(theta), small, large);
        // The weight map: 1 + 9 on the cells near the peak (the target dilated by a 3x3 maximum, above 0.2).
        var near = nn.functional.max_pool2d(target, 3, 1, 1).gt(threshold).to(output.dtype);
        return loss.mul(near.mul(extraWeight).add(one, one));
    }

    /// <summary>Decodes a batch of raw network outputs as the exported model's output is decoded: the codec's activation
    /// (sigmoid for logits), then the codec's decode with this objective's refinement.</summary>
    public Tensor Decode(Tensor output) => Decode(output, Refinement);

    /// <summary>As <see cref="Decode(Tensor)"/> with another sub-cell refinement.</summary>
    public Tensor Decode(Tensor output, HeatmapRefinement refinement)
    {
        int b = (int)output.shape[0], k = (int)output.shape[1];
        var codec = Codec(k).WithRefinement(refinement);
        float[] maps;
        using (var scope = NewDisposeScope())
        {
            var exported = codec.Activation == OutputActivation.Sigmoid ? sigmoid(output.detach()) : output.detach();
            maps = exported.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        }
        var keypoints = new float[b * 2 * k];
        var confidence = new float[k];
        int perFace = codec.OutputLength;
        for (int n = 0; n < b; n++)
            codec.Decode(maps.AsSpan(n * perFace, perFace), keypoints.AsSpan(n * 2 * k, 2 * k), confidence);
        return tensor(keypoints).reshape(b, 2 * k);
    }
}
