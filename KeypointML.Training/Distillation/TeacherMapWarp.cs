using KeypointML.Training.Augmentation;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace KeypointML.Training.Distillation;

/// <summary>
/// Moves a batch of teacher maps with the batch's augmentation and brings them to the student's map size: the soft
/// targets of that batch.
/// </summary>
/// <remarks>
/// <para>The warp is the images' own (<see cref="KeypointAugmenter.Theta"/>: normalized coordinates, so the same matrix
/// serves a 128-pixel image and a 56-cell map), sampled at the teacher's resolution so no peak falls between samples; a
/// flipped face's maps then swap channels by the mirror map, as its keypoints do.</para>
/// <para>Resizing to the student's cells adds up the probabilities of the teacher cells each student cell covers, shared
/// by overlap (<see cref="AreaSums"/>, clipped to 1): a teacher trained on zero-one maps gives each cell the probability of
/// holding the keypoint, and a bigger cell holds it with the sum.</para>
/// </remarks>
public static class TeacherMapWarp
{
    public static Tensor Apply(Tensor teacherMaps, IReadOnlyList<GeometricTransform>? transforms, int imageWidth, int imageHeight,
        IReadOnlyList<int>? mirrorMap, int height, int width)
    {
        using var scope = NewDisposeScope();
        int b = (int)teacherMaps.shape[0], k = (int)teacherMaps.shape[1], th = (int)teacherMaps.shape[2], tw = (int)teacherMaps.shape[3];
        var maps = teacherMaps;
        if (transforms is not null && transforms.Any(t => t != GeometricTransform.Identity))
        {
            var theta = tensor(KeypointAugmenter.Theta(transforms, imageWidth, imageHeight)).reshape(b, 2, 3).to(maps.dtype);
            var grid = F.affine_grid(theta, [b, k, th, tw], align_corners: false);
            maps = F.grid_sample(maps, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
            if (transforms.Any(t => t.Flip))
            {
                if (mirrorMap is null || mirrorMap.Count != k) throw new ArgumentException($"Flipped teacher maps need a mirror map of {k} points.");
                // Channel c of a flipped face is the (flipped) map of its mirror point, as TransformPoints' remap does for points.
                var index = new long[b * k];
                for (int i = 0; i < b; i++)
                    for (int c = 0; c < k; c++) index[i * k + c] = transforms[i].Flip ? mirrorMap[c] : c;
                var gather = tensor(index).reshape(b, k, 1, 1).expand(b, k, th, tw);
                maps = maps.gather(1, gather);
            }
        }
        if (th != height || tw != width)
        {
            using TorchSharp.Scalar zero = 0.0, one = 1.0;
            maps = AreaSums(height, th).to(maps.dtype).matmul(maps).matmul(AreaSums(width, tw).to(maps.dtype).t()).clamp(zero, one);
        }
        return maps.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>[to, from]</c>: entry (j, i) is the share of source cell i (of <paramref name="from"/> over 0..1) that lies in
    /// target cell j (of <paramref name="to"/>). Every column sums to 1, so <c>A M A^T</c> moves all of a map's mass into
    /// the target cells exactly; torch's area interpolation does not for a ratio such as 56 to 32 (its windows overlap, and
    /// a peak's mass there swings between 0.5 and 1.3 of itself with its position).
    /// </summary>
    public static Tensor AreaSums(int to, int from)
    {
        var a = new float[to * from];
        for (int i = 0; i < from; i++)
        {
            double lo = (double)i / from, hi = (double)(i + 1) / from;
            for (int j = (int)Math.Floor(lo * to); j < to && (double)j / to < hi; j++)
            {
                double overlap = Math.Min(hi, (double)(j + 1) / to) - Math.Max(lo, (double)j / to);
                if (overlap > 0) a[j * from + i] = (float)(overlap * from);
            }
        }
        return tensor(a).reshape(to, from);
    }
}
