using KeypointML.Data;
using KeypointML.Geometry;
using KeypointML.Preprocessing;
using KeypointML.Training.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace KeypointML.Training.Augmentation;

/// <summary>
/// Training augmentation settings. All of them act on the preprocessed tensors (grey, <c>gray/255-0.5</c>, model input size)
/// and move the normalized keypoint targets exactly with the pixels.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Brightness jitter as torchvision's ColorJitter(brightness = b): the grey image is multiplied by a factor
    /// drawn uniformly from [max(0, 1-b), 1+b] and clipped to the 0..255 range. 0 = off.</summary>
    public float Brightness { get; init; }

    /// <summary>
    /// Saturation jitter as ColorJitter(saturation = s). ColorJitter blends an image with its own grey version; the
    /// pipeline turns images grey before they become tensors, so on these tensors saturation jitter is the identity.
    /// The option is accepted (the seed used it) and draws nothing: a documented no-op.
    /// </summary>
    public float Saturation { get; init; }

    /// <summary>Rotation about the image centre, angle drawn uniformly from [-d, d] degrees. 0 = off.</summary>
    public float MaxRotationDegrees { get; init; }

    /// <summary>Shift drawn uniformly from [-p, p] pixels in x and in y, independently. Pixels of the <b>model input</b>
    /// (e.g. 10 px of a 160x120 input is 1/16 of its width), not of the source image. 0 = off.</summary>
    public float MaxShiftPixels { get; init; }

    /// <summary>Scale about the image centre, factor drawn uniformly from [1-s, 1+s] (0.25: the face 75%-125% of its size).
    /// 0 = off.</summary>
    public float MaxScale { get; init; }

    /// <summary>Probability of a horizontal flip; needs <see cref="MirrorMap"/>.</summary>
    public float FlipProbability { get; init; }

    /// <summary>Left/right keypoint index map used with flips (e.g. <see cref="MirrorMaps.Ibug68"/>).</summary>
    public IReadOnlyList<int>? MirrorMap { get; init; }

    /// <summary>
    /// Probability that a sample gets one occluding rectangle (cutout), drawn after the geometry: sides uniform in
    /// [<see cref="OcclusionMinSize"/>, <see cref="OcclusionMaxSize"/>] of the image's, anywhere in it, filled with one grey
    /// level drawn uniformly. The targets do not move: 300-W labels occluded points where they are, and the network should
    /// learn to place them from the rest of the face. 0 = off.
    /// </summary>
    public float OcclusionProbability { get; init; }

    /// <summary>Smallest occluder side, a fraction of the image side.</summary>
    public float OcclusionMinSize { get; init; } = 0.1f;

    /// <summary>Largest occluder side, a fraction of the image side.</summary>
    public float OcclusionMaxSize { get; init; } = 0.4f;

    /// <summary>
    /// Probability that a sample is seen at low resolution: shrunk (area averaging) to a side drawn log-uniformly from
    /// [<see cref="LowResolutionMinSide"/>, <see cref="LowResolutionMaxSide"/>] of its own, then enlarged back
    /// (bilinear), as the engine enlarges the crop of a small face in a photo. The targets do not move (with
    /// align_corners = false a resize keeps normalized coordinates). Drawn after everything else, the occluder included.
    /// 0 = off.
    /// </summary>
    public float LowResolutionProbability { get; init; }

    /// <summary>Smallest side a low-resolution sample is shrunk to, a fraction of the input side (0.17 of a 256 crop = 44
    /// px: a 300-W face with about 16 px between the outer eye corners).</summary>
    public float LowResolutionMinSide { get; init; } = 0.17f;

    /// <summary>Largest side a low-resolution sample is shrunk to, a fraction of the input side (0.6 of 256 = 154 px:
    /// about 55 px between the outer eye corners).</summary>
    public float LowResolutionMaxSide { get; init; } = 0.6f;

    /// <summary>How many times a rotation/shift is drawn again when it would push a visible keypoint out of the image.</summary>
    public int MaxTries { get; init; } = 10;

    public static AugmentationOptions None { get; } = new();

    public bool IsIdentity => Brightness <= 0 && MaxRotationDegrees <= 0 && MaxShiftPixels <= 0 && MaxScale <= 0 && FlipProbability <= 0 && OcclusionProbability <= 0 && LowResolutionProbability <= 0;
}

/// <summary>One sample's geometric transform: flip first (about the vertical centre line), then rotation and scale about
/// the centre, then shift. Angles in degrees, shifts in model-input pixels, <see cref="Scale"/> a factor (1 = none).</summary>
public readonly record struct GeometricTransform(float AngleDegrees, float ShiftX, float ShiftY, bool Flip, float Scale = 1f)
{
    public static GeometricTransform Identity => new(0, 0, 0, false);
}

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a batch (images [B,1,H,W], targets [B,2K] normalized crop coordinates).
/// </summary>
/// <remarks>
/// <para>Geometry: a keypoint at normalized (nx, ny) sits at p = ((nx-0.5)W, (ny-0.5)H) pixels from the centre; the
/// transform maps p to R(angle) F p + t (F mirrors x). The pixels are resampled with <c>affine_grid</c>/<c>grid_sample</c>
/// (bilinear, align_corners = false, whose grid coordinate is exactly 2n-1), using the inverse of the same matrix, so the
/// targets move exactly with the pixels. Areas that come from outside the image are filled with black
/// (<see cref="GrayscaleNormalization.Normalize"/>(0)).</para>
/// <para>Keypoints leaving the image: a rotation/shift that would push a keypoint that lies inside the image (0..1) out of
/// it is rejected and drawn again, up to <see cref="AugmentationOptions.MaxTries"/> times; if every draw fails the sample
/// keeps its geometry (no rotation or shift). So augmentation never asks the network for a point it cannot see; points
/// that were already outside the crop (e.g. a jaw below a tight box) stay as they are, moved with the transform.
/// A flip maps 0..1 onto itself and is never rejected.</para>
/// <para>Brightness is applied before the geometry, so the black fill stays black.</para>
/// </remarks>
public sealed class KeypointAugmenter
{
    private readonly AugmentationOptions options;

    public KeypointAugmenter(AugmentationOptions options)
    {
        if (options.FlipProbability > 0 && options.MirrorMap is null)
            throw new ArgumentException("A horizontal flip needs a mirror map (left/right keypoint indices).");
        if (options.MirrorMap is not null) MirrorMaps.Validate(options.MirrorMap);
        this.options = options;
    }

    public AugmentationOptions Options => options;

    /// <summary>Draws random parameters for each sample and applies them. Returns new tensors (the inputs are not changed).</summary>
    public (Tensor Images, Tensor Targets) Augment(Tensor images, Tensor targets, SeededRandom rng)
    {
        var (imgs, tgts, _) = AugmentWithTransforms(images, targets, rng);
        return (imgs, tgts);
    }

    /// <summary>As <see cref="Augment"/>, also returning each sample's geometric transform (for moving other per-sample
    /// maps the same way, <see cref="Theta"/>).</summary>
    public (Tensor Images, Tensor Targets, GeometricTransform[] Transforms) AugmentWithTransforms(Tensor images, Tensor targets, SeededRandom rng)
    {
        int b = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        var kp = targets.cpu().contiguous().data<float>().ToArray();
        int d = (int)targets.shape[1];
        var transforms = new GeometricTransform[b];
        var brightness = new float[b];
        for (int i = 0; i < b; i++)
        {
            brightness[i] = options.Brightness > 0 ? (float)rng.Uniform(Math.Max(0, 1 - options.Brightness), 1 + options.Brightness) : 1f;
            bool flip = options.FlipProbability > 0 && rng.NextDouble() < options.FlipProbability;
            var sample = new ReadOnlySpan<float>(kp, i * d, d);
            var chosen = new GeometricTransform(0, 0, 0, flip);
            if (options.MaxRotationDegrees > 0 || options.MaxShiftPixels > 0 || options.MaxScale > 0)
            {
                for (int t = 0; t < options.MaxTries; t++)
                {
                    // The scale is drawn last, and only when asked for, so runs without it draw exactly what they drew before.
                    var candidate = new GeometricTransform(
                        (float)rng.Uniform(-options.MaxRotationDegrees, options.MaxRotationDegrees),
                        (float)rng.Uniform(-options.MaxShiftPixels, options.MaxShiftPixels),
                        (float)rng.Uniform(-options.MaxShiftPixels, options.MaxShiftPixels),
                        flip,
                        options.MaxScale > 0 ? (float)rng.Uniform(1 - options.MaxScale, 1 + options.MaxScale) : 1f);
                    if (KeepsVisiblePointsInside(sample, candidate, w, h)) { chosen = candidate; break; }
                }
            }
            transforms[i] = chosen;
        }
        // Drawn after every other draw of the batch, and only when asked for, so runs without occlusion draw what they drew before.
        var occluders = options.OcclusionProbability > 0 ? DrawOccluders(b, w, h, rng) : null;
        var shrink = options.LowResolutionProbability > 0 ? DrawLowResolution(b, rng) : null;
        using var scope = NewDisposeScope();
        var bright = ApplyBrightness(images, brightness);
        var (imgs, tgts) = ApplyGeometry(bright, targets, transforms);
        if (occluders is not null) imgs = ApplyOcclusion(imgs, occluders);
        if (shrink is not null) imgs = ApplyLowResolution(imgs, shrink);
        return (imgs.MoveToOuterDisposeScope(), tgts.MoveToOuterDisposeScope(), transforms);
    }

    /// <summary>One sample's occluder in model-input pixels (end-exclusive) and its grey level 0..255; null = none.</summary>
    public readonly record struct Occluder(int X0, int Y0, int X1, int Y1, float Gray);

    private Occluder?[] DrawOccluders(int batch, int w, int h, SeededRandom rng)
    {
        var result = new Occluder?[batch];
        for (int i = 0; i < batch; i++)
        {
            if (rng.NextDouble() >= options.OcclusionProbability) continue;
            int ow = (int)Math.Round(rng.Uniform(options.OcclusionMinSize, options.OcclusionMaxSize) * w);
            int oh = (int)Math.Round(rng.Uniform(options.OcclusionMinSize, options.OcclusionMaxSize) * h);
            int x0 = (int)(rng.NextDouble() * (w - ow + 1)), y0 = (int)(rng.NextDouble() * (h - oh + 1));
            result[i] = new Occluder(x0, y0, x0 + ow, y0 + oh, (float)rng.Uniform(0, 255));
        }
        return result;
    }

    /// <summary>Each sample's low-resolution factor (the side it is shrunk to over its own), null = full resolution.</summary>
    private float?[] DrawLowResolution(int batch, SeededRandom rng)
    {
        var result = new float?[batch];
        double lo = Math.Log(options.LowResolutionMinSide), hi = Math.Log(options.LowResolutionMaxSide);
        for (int i = 0; i < batch; i++)
        {
            if (rng.NextDouble() >= options.LowResolutionProbability) continue;
            result[i] = (float)Math.Exp(rng.Uniform(lo, hi));
        }
        return result;
    }

    /// <summary>Shrinks each sample with a factor to that fraction of its size (area averaging, as a photo's pixels average
    /// the face) and enlarges it back (bilinear, as the engine's crop sampler); a new tensor.</summary>
    public static Tensor ApplyLowResolution(Tensor images, IReadOnlyList<float?> factors)
    {
        int b = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        if (factors.Count != b) throw new ArgumentException($"{factors.Count} factors for a batch of {b}.");
        if (factors.All(f => f is null)) return images.alias();
        using var scope = NewDisposeScope();
        var samples = new Tensor[b];
        for (int i = 0; i < b; i++)
        {
            var one = images.narrow(0, i, 1);
            if (factors[i] is not float f) { samples[i] = one; continue; }
            long sh = Math.Max(2, (long)Math.Round(h * f)), sw = Math.Max(2, (long)Math.Round(w * f));
            var small = F.interpolate(one, [sh, sw], mode: InterpolationMode.Area);
            samples[i] = F.interpolate(small, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        return cat(samples, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Paints each sample's occluder (a new tensor; the input is not changed).</summary>
    public static Tensor ApplyOcclusion(Tensor images, IReadOnlyList<Occluder?> occluders)
    {
        int b = (int)images.shape[0], c = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        if (occluders.Count != b) throw new ArgumentException($"{occluders.Count} occluders for a batch of {b}.");
        // A mask and a fill image, built on the CPU in one pass each: one native select instead of a call per sample.
        var mask = new bool[b * h * w];
        var fill = new float[b * h * w];
        for (int i = 0; i < b; i++)
        {
            if (occluders[i] is not Occluder o) continue;
            float v = GrayscaleNormalization.Normalize(o.Gray);
            for (int y = Math.Max(0, o.Y0); y < Math.Min(h, o.Y1); y++)
                for (int x = Math.Max(0, o.X0); x < Math.Min(w, o.X1); x++)
                {
                    int at = (i * h + y) * w + x;
                    mask[at] = true;
                    fill[at] = v;
                }
        }
        using var scope = NewDisposeScope();
        var m = tensor(mask).reshape(b, 1, h, w);
        var f = tensor(fill).reshape(b, 1, h, w).to(images.dtype);
        // where() takes no Scalar: the arithmetic form (images - images * m + f, the same values) passed an implicit alpha
        // Scalar to the native add, which the GC could finalize during the call; a run died of it after 38 epochs
        // ("Expected false to be true ... toFloat at Scalar.h"; CHANGELOG).
        return where(m, f, images).MoveToOuterDisposeScope();
    }

    /// <summary>Multiplies each image's 0..1 grey values by its factor and clips, in the normalized space.</summary>
    public static Tensor ApplyBrightness(Tensor images, float[] factors)
    {
        if (factors.All(f => f == 1f)) return images.alias();
        using var scope = NewDisposeScope();
        // Scalars held by `using` locals, alive through the native calls (see HeatmapObjective.Loss).
        float black = GrayscaleNormalization.Normalize(0);
        using TorchSharp.Scalar lo = black, minusLo = -black, hi = GrayscaleNormalization.Normalize(255), one = 1f;
        var f = tensor(factors).reshape(-1, 1, 1, 1).to(images.dtype);
        return (images.add(minusLo, one) * f).add(lo, one).clamp(lo, hi).MoveToOuterDisposeScope();
    }

    /// <summary>Applies one geometric transform per sample to the images and moves the targets (and remaps flipped indices).</summary>
    public (Tensor Images, Tensor Targets) ApplyGeometry(Tensor images, Tensor targets, IReadOnlyList<GeometricTransform> transforms)
    {
        int b = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        if (transforms.Count != b) throw new ArgumentException($"{transforms.Count} transforms for a batch of {b}.");
        if (transforms.All(t => t == GeometricTransform.Identity)) return (images.alias(), targets.alias());
        if (transforms.Any(t => t.Flip) && options.MirrorMap is null) throw new InvalidOperationException("A flip needs a mirror map.");

        int d = (int)targets.shape[1];
        var kp = targets.cpu().contiguous().data<float>().ToArray();
        var theta = Theta(transforms, w, h);
        var moved = new float[kp.Length];
        for (int i = 0; i < b; i++)
        {
            var src = new ReadOnlySpan<float>(kp, i * d, d);
            var dst = new Span<float>(moved, i * d, d);
            TransformPoints(src, dst, transforms[i], w, h);
            if (transforms[i].Flip)
            {
                var copy = dst.ToArray();
                var map = options.MirrorMap!;
                if (map.Count * 2 != d) throw new ArgumentException($"The mirror map has {map.Count} points; the targets have {d / 2}.");
                for (int k = 0; k < map.Count; k++)
                {
                    dst[2 * k] = copy[2 * map[k]];
                    dst[2 * k + 1] = copy[2 * map[k] + 1];
                }
            }
        }
        using var scope = NewDisposeScope();
        float fill = GrayscaleNormalization.Normalize(0);
        var th = tensor(theta).reshape(b, 2, 3).to(images.dtype);
        var grid = F.affine_grid(th, [b, images.shape[1], h, w], align_corners: false);
        var sampled = F.grid_sample(images - fill, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false) + fill;
        var newTargets = tensor(moved).reshape(b, d).to(targets.dtype);
        return (sampled.MoveToOuterDisposeScope(), newTargets.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The <c>affine_grid</c> matrices (<c>[B, 2, 3]</c>, row-major) of the transforms for a W x H image: the inverse map in
    /// grid units, <c>g_in = S^-1 M^-1 S g_out - S^-1 M^-1 t</c> with <c>S = diag(W/2, H/2)</c>. Grid units are normalized
    /// coordinates, so the same matrices move any map of that image (a heatmap of another size) the same way.
    /// </summary>
    public static float[] Theta(IReadOnlyList<GeometricTransform> transforms, int width, int height)
    {
        var theta = new float[transforms.Count * 6];
        double sx = width / 2.0, sy = height / 2.0;
        for (int i = 0; i < transforms.Count; i++)
        {
            var (m, t) = Forward(transforms[i]);
            double det = m[0] * m[3] - m[1] * m[2];
            double i00 = m[3] / det, i01 = -m[1] / det, i10 = -m[2] / det, i11 = m[0] / det;
            theta[i * 6 + 0] = (float)i00;
            theta[i * 6 + 1] = (float)(i01 * sy / sx);
            theta[i * 6 + 2] = (float)(-(i00 * t[0] + i01 * t[1]) / sx);
            theta[i * 6 + 3] = (float)(i10 * sx / sy);
            theta[i * 6 + 4] = (float)i11;
            theta[i * 6 + 5] = (float)(-(i10 * t[0] + i11 * t[1]) / sy);
        }
        return theta;
    }

    /// <summary>The forward map in centred pixel units: p' = M p + t, M = scale R(angle) F.</summary>
    private static (double[] M, double[] T) Forward(GeometricTransform g)
    {
        double a = g.AngleDegrees * Math.PI / 180, k = g.Scale, c = Math.Cos(a) * k, s = Math.Sin(a) * k;
        double f = g.Flip ? -1 : 1;
        return ([c * f, s, -s * f, c], [g.ShiftX, g.ShiftY]);
    }

    /// <summary>Moves normalized keypoints (x0, y0, ...) by the transform for a W x H image (no index remap).</summary>
    public static void TransformPoints(ReadOnlySpan<float> src, Span<float> dst, GeometricTransform g, int width, int height)
    {
        var (m, t) = Forward(g);
        for (int k = 0; k + 1 < src.Length; k += 2)
        {
            double px = (src[k] - 0.5) * width, py = (src[k + 1] - 0.5) * height;
            double qx = m[0] * px + m[1] * py + t[0], qy = m[2] * px + m[3] * py + t[1];
            dst[k] = (float)(qx / width + 0.5);
            dst[k + 1] = (float)(qy / height + 0.5);
        }
    }

    private static bool Inside(float x, float y) => x >= 0 && x <= 1 && y >= 0 && y <= 1;

    private static bool KeepsVisiblePointsInside(ReadOnlySpan<float> src, GeometricTransform g, int w, int h)
    {
        Span<float> dst = src.Length <= 512 ? stackalloc float[src.Length] : new float[src.Length];
        TransformPoints(src, dst, g, w, h);
        for (int k = 0; k + 1 < src.Length; k += 2)
            if (Inside(src[k], src[k + 1]) && !Inside(dst[k], dst[k + 1])) return false;
        return true;
    }
}
