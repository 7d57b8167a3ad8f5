using static TorchSharp.torch;

namespace KeypointML.Training.Heatmaps;

/// <summary>
/// Renders training heatmaps from normalized crop keypoints, on the fly per batch (so they follow the augmentation).
/// Cell <c>(j, i)</c> of an <c>h x w</c> map stands for normalized <c>((i + 0.5) / w, (j + 0.5) / h)</c>, so a keypoint at
/// normalized <c>x</c> sits at <c>x w - 0.5</c> in cell units, and the cell that contains it is <c>floor(x w)</c>.
/// </summary>
public static class HeatmapTargets
{
    /// <summary>
    /// <c>[B, K, h, w]</c> maps <c>exp(-d^2 / (2 sigma^2))</c>, d = distance in cells from the cell centre to the keypoint:
    /// 1 at most, its maximum in the cell that contains the keypoint. A keypoint outside the crop leaves a tail (or nothing)
    /// at the border nearest to it. <paramref name="keypoints"/> is <c>[B, 2K]</c> (x0, y0, x1, y1, ...).
    /// </summary>
    public static Tensor Gaussian(Tensor keypoints, int height, int width, float sigma)
    {
        if (!(sigma > 0)) throw new ArgumentException($"The Gaussian sigma must be positive; got {sigma}.");
        using var scope = NewDisposeScope();
        var (x, y) = CellCoordinates(keypoints, height, width);
        // Separable: the 2-D Gaussian is the outer product of one Gaussian along x and one along y.
        var gx = exp(-(arange(width, dtype: ScalarType.Float32, device: keypoints.device) - x.unsqueeze(-1)).square() / (2 * sigma * sigma));   // [B, K, w]
        var gy = exp(-(arange(height, dtype: ScalarType.Float32, device: keypoints.device) - y.unsqueeze(-1)).square() / (2 * sigma * sigma));  // [B, K, h]
        return (gy.unsqueeze(-1) * gx.unsqueeze(-2)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>[B, K, h, w]</c> maps with a single 1 at each keypoint's cell and 0 elsewhere. A keypoint outside the crop takes
    /// the nearest border cell (where the Gaussian map of such a point peaks too), so every map has exactly one 1.
    /// </summary>
    public static Tensor ZeroOne(Tensor keypoints, int height, int width)
    {
        using var scope = NewDisposeScope();
        var (i, j) = Cells(keypoints, height, width);
        var index = (j * width + i).unsqueeze(-1);                                               // [B, K, 1]
        var maps = zeros(index.shape[0], index.shape[1], height * width, dtype: ScalarType.Float32, device: keypoints.device);
        maps.scatter_(2, index, ones_like(index, dtype: ScalarType.Float32));
        return maps.reshape(index.shape[0], index.shape[1], height, width).MoveToOuterDisposeScope();
    }

    /// <summary>The cell (column i, row j) that contains each keypoint, clamped to the map: two <c>[B, K]</c> int64 tensors.</summary>
    public static (Tensor Column, Tensor Row) Cells(Tensor keypoints, int height, int width)
    {
        using var scope = NewDisposeScope();
        var kp = Pairs(keypoints);
        var i = (kp.select(2, 0) * width).floor().clamp(0, width - 1).to(ScalarType.Int64);
        var j = (kp.select(2, 1) * height).floor().clamp(0, height - 1).to(ScalarType.Int64);
        return (i.MoveToOuterDisposeScope(), j.MoveToOuterDisposeScope());
    }

    /// <summary>Keypoints in cell units (cell i's centre at i): two <c>[B, K]</c> float tensors.</summary>
    private static (Tensor X, Tensor Y) CellCoordinates(Tensor keypoints, int height, int width)
    {
        using var scope = NewDisposeScope();
        var kp = Pairs(keypoints).to(ScalarType.Float32);
        var x = kp.select(2, 0) * width - 0.5f;
        var y = kp.select(2, 1) * height - 0.5f;
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    private static Tensor Pairs(Tensor keypoints)
    {
        if (keypoints.dim() != 2 || keypoints.shape[1] % 2 != 0)
            throw new ArgumentException($"Keypoints must be [B, 2K]; got [{string.Join(", ", keypoints.shape)}].");
        return keypoints.reshape(keypoints.shape[0], -1, 2);
    }
}
