using KeypointML.Geometry;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>One face of a tensor dataset: where its pixels came from, so predictions can be mapped back to the image.</summary>
/// <param name="ImagePath">The image file.</param>
/// <param name="Crop">The crop the model saw (normalized coordinates are relative to it).</param>
/// <param name="Keypoints">The true keypoints in 0-based pixels of the original image.</param>
public sealed record FaceRecord(string ImagePath, CropGeometry Crop, float[] Keypoints);

/// <summary>
/// A dataset held in memory as tensors: images [N, 1, H, W] (normalized grey pixels, as the preprocessing produced them)
/// and targets [N, 2K] (normalized crop coordinates), plus one <see cref="FaceRecord"/> per row.
/// </summary>
public sealed class TensorDataset : IDisposable
{
    public TensorDataset(Tensor images, Tensor targets, IReadOnlyList<FaceRecord>? faces = null)
    {
        if (images.dim() != 4 || images.shape[1] != 1) throw new ArgumentException($"Images must be [N, 1, H, W]; got [{string.Join(", ", images.shape)}].");
        if (targets.dim() != 2 || targets.shape[0] != images.shape[0] || targets.shape[1] % 2 != 0)
            throw new ArgumentException($"Targets must be [N, 2K] with N = {images.shape[0]}; got [{string.Join(", ", targets.shape)}].");
        if (faces is not null && faces.Count != images.shape[0]) throw new ArgumentException($"{faces.Count} face records for {images.shape[0]} images.");
        Images = images.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        Targets = targets.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        Faces = faces ?? [];
    }

    public Tensor Images { get; }
    public Tensor Targets { get; }

    /// <summary>A teacher's maps of each face <c>[N, K, h, w]</c> (distillation), or null.</summary>
    public Tensor? Teacher { get; private set; }

    /// <summary>Attaches a teacher's maps of these faces (<see cref="Distillation.TeacherHeatmaps"/>); the dataset owns them.</summary>
    public void AttachTeacher(Tensor maps)
    {
        if (maps.dim() != 4 || maps.shape[0] != Count || maps.shape[1] != KeypointCount)
            throw new ArgumentException($"Teacher maps must be [{Count}, {KeypointCount}, h, w]; got [{string.Join(", ", maps.shape)}].");
        Teacher?.Dispose();
        Teacher = maps.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
    }
    public IReadOnlyList<FaceRecord> Faces { get; }
    public int Count => (int)Images.shape[0];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];
    public int KeypointCount => (int)Targets.shape[1] / 2;

    /// <summary>The mean target vector (the mean shape in normalized coordinates).</summary>
    public float[] MeanTarget()
    {
        using var scope = NewDisposeScope();
        return Targets.mean([0]).data<float>().ToArray();
    }

    public void Dispose()
    {
        Images.Dispose();
        Targets.Dispose();
        Teacher?.Dispose();
    }
}
