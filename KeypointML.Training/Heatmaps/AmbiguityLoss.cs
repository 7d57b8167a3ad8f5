using static TorchSharp.torch;

namespace KeypointML.Training.Heatmaps;

/// <summary>
/// An ambiguity-aware keypoint loss in the spirit of STAR (Zhou et al., "STAR Loss: Reducing Semantic Ambiguity in Facial
/// Landmark Detection", CVPR 2023), adapted to zero-one logistic maps. Each predicted map is read as a distribution over
/// its cells; its mean is compared with the labelled point in the metric of its own covariance, so an error along the
/// direction in which the map is spread (the jaw contour, where annotators disagree) costs less than the same error across
/// it, and a penalty on the covariance's trace keeps the network from buying that discount by spreading every map.
/// </summary>
/// <remarks>
/// <para>Per map, in heatmap cells: q = softmax of the logits over a (2R+1)^2 window centred on the map's arg-max (held
/// fixed), mean m, covariance S = sum q (c - m)(c - m)^T + I/12, and with e = label - m
/// <c>loss = sqrt(e^T S^-1 e + eps) + w trace(S)</c>.</para>
/// <para>Choices against the paper, and why:</para>
/// <list type="bullet">
/// <item>The gate: a map whose arg-max is more than R cells from its label adds 0 (the logistic loss
/// has to find the point first; STAR refines ambiguity, it does not detect).</item>
/// <item>The window. STAR normalises its Gaussian-target maps over the whole map. A logistic map's far cells are tiny but
/// many: a mass of 0.01 thirty cells away adds 9 cells^2 to the variance, so a whole-map covariance measures the
/// background rather than the ambiguity around the peak. The window sits on the arg-max, which is where the decoder
/// (log-parabola, DARK) reads the map, and the background outside it is the logistic loss's job.</item>
/// <item>The Mahalanobis norm of the error instead of the sum of its two whitened components: the same scaling by the
/// spread in each principal direction, without an eigendecomposition (whose eigenvectors have no derivative where the
/// two eigenvalues meet, which every sharp round peak is near).</item>
/// <item>I/12: a cell is a unit square, so a map with all its mass on one cell still has that variance; it keeps S
/// invertible.</item>
/// <item>Cells as the unit, w = 1: for S = s I the loss |e|/sqrt(s) + 2 w s is lowest at s = (|e| / 4w)^(2/3), which for
/// the half-cell errors of a trained network is a spread of about half a cell, the width of a sharp peak. The whole term
/// is scaled against the logistic loss by <see cref="HeatmapObjective.AmbiguityWeight"/>.</item>
/// </list>
/// </remarks>
public static class AmbiguityLoss
{
    /// <summary>Window radius in cells: 6 cells are 24 input pixels at stride 4, several times the jaw's error along the
    /// contour, and well inside the distance between neighbouring features.</summary>
    public const int DefaultRadius = 6;

    /// <summary>Weight of the covariance trace (cells^2) against the Mahalanobis error.</summary>
    public const float TraceWeight = 1f;

    /// <summary>Variance of a uniform unit cell, added to every covariance.</summary>
    private const float CellVariance = 1f / 12f;

    /// <summary>The mean loss per map of <paramref name="logits"/> <c>[B, K, H, W]</c> against normalized keypoints
    /// <paramref name="keypoints"/> <c>[B, 2K]</c> (the cell convention of <see cref="KeypointML.Codecs.HeatmapCodec"/>:
    /// cell i stands for x in [i/W, (i+1)/W)).</summary>
    public static Tensor Loss(Tensor logits, Tensor keypoints, int radius = DefaultRadius)
    {
        if (logits.dim() != 4) throw new ArgumentException($"The logits must be [B, K, H, W]; got [{string.Join(", ", logits.shape)}].");
        long b = logits.shape[0], k = logits.shape[1], h = logits.shape[2], w = logits.shape[3];
        if (keypoints.dim() != 2 || keypoints.shape[0] != b || keypoints.shape[1] != 2 * k)
            throw new ArgumentException($"The keypoints must be [{b}, {2 * k}]; got [{string.Join(", ", keypoints.shape)}].");
        if (radius < 1) throw new ArgumentException($"The window radius must be at least 1 cell; got {radius}.");
        using var scope = NewDisposeScope();
        // As in HeatmapObjective: every Scalar is held by a local for the whole call, so no finalizer frees one mid-call.
        using TorchSharp.Scalar one = 1f, half = 0.5f, cellVariance = CellVariance, traceWeight = TraceWeight, eps = 1e-4f,
            radiusCells = (float)radius, widthCells = (float)w, heightCells = (float)h, two = 2f,
            columns = w, minusInfinity = float.NegativeInfinity;

        // Cell-centre coordinates of every cell, and of the labels (x * W - 0.5: cell i's centre is i).
        var xs = arange(w, dtype: logits.dtype, device: logits.device).view(1, 1, 1, w);
        var ys = arange(h, dtype: logits.dtype, device: logits.device).view(1, 1, h, 1);
        var points = keypoints.to(logits.dtype).view(b, k, 2);
        var gx = points.select(2, 0).mul(widthCells).sub(half);
        var gy = points.select(2, 1).mul(heightCells).sub(half);

        // The window on each map's arg-max (no gradient through where it sits).
        var peak = logits.detach().flatten(2).argmax(2);                     // [B, K]
        var px = peak.remainder(columns).to(logits.dtype).view(b, k, 1, 1);
        var py = peak.div(columns, rounding_mode: RoundingMode.floor).to(logits.dtype).view(b, k, 1, 1);
        // Whether (x, y) lies in the window: the cells that form each map's distribution, and the labels the gate lets through.
        Tensor InWindow(Tensor x, Tensor y, Tensor cx, Tensor cy) => x.sub(cx).abs().le(radiusCells).logical_and(y.sub(cy).abs().le(radiusCells));
        var inside = InWindow(xs, ys, px, py);
        var windowed = logits.masked_fill(inside.logical_not(), minusInfinity);
        var q = windowed.flatten(2).softmax(2).view(b, k, h, w);

        var mx = q.mul(xs).sum([2, 3]);
        var my = q.mul(ys).sum([2, 3]);
        var dx = xs.sub(mx.view(b, k, 1, 1));
        var dy = ys.sub(my.view(b, k, 1, 1));
        var sxx = q.mul(dx.square()).sum([2, 3]).add(cellVariance, one);
        var syy = q.mul(dy.square()).sum([2, 3]).add(cellVariance, one);
        var sxy = q.mul(dx.mul(dy)).sum([2, 3]);

        var ex = gx.sub(mx);
        var ey = gy.sub(my);
        var det = sxx.mul(syy).sub(sxy.square());
        // e^T S^-1 e with S^-1 = [[syy, -sxy], [-sxy, sxx]] / det.
        var mahalanobis2 = syy.mul(ex.square()).sub(sxy.mul(ex).mul(ey).mul(two)).add(sxx.mul(ey.square()), one).div(det);
        var perMap = mahalanobis2.add(eps, one).sqrt().add(sxx.add(syy, one).mul(traceWeight), one);
        // Only maps whose arg-max has found the point (the label inside the window) count; the others get 0, and the sum
        // is still divided by all maps. On a map that has not found its point the window holds no information about the
        // label, and the trace would only sharpen a wrong peak: from ImageNet weights the first epoch's keypoint error was
        // 3.6 times the logistic loss's alone without this gate.
        var found = InWindow(gx, gy, px.view(b, k), py.view(b, k)).to(logits.dtype);
        return perMap.mul(found).mean().MoveToOuterDisposeScope();
    }
}
