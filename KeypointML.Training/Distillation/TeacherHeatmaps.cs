using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Preprocessing;
using KeypointML.Training.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Training.Distillation;

/// <summary>
/// A trained heatmap model's maps of every training face, computed once through the library (the teacher's own
/// preprocessing and ONNX Runtime, as at inference): the soft targets of distillation.
/// </summary>
/// <remarks>
/// The teacher sees each face once, unaugmented, at its own input size; <see cref="TeacherMapWarp"/> then moves its maps
/// with each batch's augmentation, as the keypoints are moved. That costs one teacher pass per face for the whole run
/// (about 30 s for ibug68-heatmap on 1098 faces) instead of one per face and epoch, at the price of treating the teacher
/// as equivariant to the augmentation (a rotated face gets the rotated map of the upright face).
/// </remarks>
public static class TeacherHeatmaps
{
    private const int Batch = 16;

    /// <summary>The teacher's probability maps <c>[N, K, h, w]</c> for <paramref name="rows"/>, in the crop the student
    /// sees (the teacher must crop as the student does: same scale, same square rule).</summary>
    public static Tensor Compute(MLContext ml, IReadOnlyList<KeypointSample> rows, FacePreprocessing student, int[]? learned,
        string teacherPath, int keypointCount, TextWriter log)
    {
        using var teacher = KeypointModel.Open(teacherPath, new KeypointModelOptions { IntraOpNumThreads = get_num_threads(), InterOpNumThreads = 1 });
        var m = teacher.Metadata;
        if (m.OutputKind != KeypointOutputKind.Heatmaps || m.OutputActivation != OutputActivation.Sigmoid)
            throw new ArgumentException($"{teacherPath}: a teacher must output probability heatmaps (a zero-one heatmap model ending in a sigmoid); this one outputs {m.OutputKind}, activation {m.OutputActivation}.");
        if (m.KeypointCount != keypointCount)
            throw new ArgumentException($"{teacherPath}: the teacher has {m.KeypointCount} keypoints; the student learns {keypointCount}.");
        var own = teacher.Preprocessing;
        if (Math.Abs(own.CropScale - student.CropScale) > 1e-4f || own.CropSquare != student.CropSquare)
            throw new ArgumentException($"{teacherPath}: the teacher crops faces at scale {own.CropScale:G4}{(own.CropSquare ? ", square" : "")}; the student at {student.CropScale:G4}{(student.CropSquare ? ", square" : "")}: their maps would not line up.");

        var started = DateTime.UtcNow;
        using var faces = FaceTensorLoader.Load(ml, rows, own, learned);
        int n = faces.Count, perFace = teacher.OutputLength;
        // The maps go straight into the result tensor (about 0.9 GB for 1098 faces), batch by batch: no second full copy.
        var maps = zeros(n, m.KeypointCount, m.HeatmapHeight, m.HeatmapWidth);
        var output = new float[Batch * perFace];
        for (int s = 0; s < n; s += Batch)
        {
            using var scope = NewDisposeScope();
            int rowsNow = Math.Min(Batch, n - s);
            teacher.Run(faces.Images.narrow(0, s, rowsNow).contiguous().data<float>().ToArray(), rowsNow, output);
            maps.narrow(0, s, rowsNow).copy_(tensor(output, [Batch, m.KeypointCount, m.HeatmapHeight, m.HeatmapWidth]).narrow(0, 0, rowsNow));
        }
        log.WriteLine(FormattableString.Invariant(
            $"teacher {Path.GetFileName(teacherPath)}: {n} faces at {m.InputHeight}x{m.InputWidth} -> {m.KeypointCount} maps of {m.HeatmapHeight}x{m.HeatmapWidth} in {(DateTime.UtcNow - started).TotalSeconds:F0} s"));
        return maps;
    }
}
