using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Geometry;
using KeypointML.Preprocessing;
using KeypointML.Tests.Data;
using Microsoft.ML;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Distillation;
using KeypointML.Training.Heatmaps;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>Distillation's soft targets: a teacher's maps moved with the batch's augmentation must land where the
/// augmentation moved the keypoints (flips included), and blending them into the targets is the ordinary loss.</summary>
public class DistillationTests
{
    private const int Image = 128, Teacher = 56, Student = 32;

    /// <summary>Two faces' worth of 68 points spread over the middle of the crop, normalized.</summary>
    private static float[] Points()
    {
        var p = new float[2 * 2 * 68];
        for (int n = 0; n < 2; n++)
            for (int k = 0; k < 68; k++)
            {
                p[n * 136 + 2 * k] = 0.25f + 0.5f * ((k * 7 + n * 3) % 17) / 16f;
                p[n * 136 + 2 * k + 1] = 0.25f + 0.5f * ((k * 11 + n * 5) % 13) / 12f;
            }
        return p;
    }

    /// <summary>Each map's probability-weighted centre, normalized ((i + 0.5) / w for cell i).</summary>
    private static float[] Centres(Tensor maps)
    {
        int b = (int)maps.shape[0], k = (int)maps.shape[1], h = (int)maps.shape[2], w = (int)maps.shape[3];
        var v = maps.contiguous().data<float>().ToArray();
        var c = new float[b * k * 2];
        for (int m = 0; m < b * k; m++)
        {
            double sum = 0, sx = 0, sy = 0;
            for (int j = 0; j < h; j++)
                for (int i = 0; i < w; i++)
                {
                    double p = v[(long)m * h * w + j * w + i];
                    sum += p; sx += p * (i + 0.5) / w; sy += p * (j + 0.5) / h;
                }
            c[2 * m] = (float)(sx / sum);
            c[2 * m + 1] = (float)(sy / sum);
        }
        return c;
    }

    [Test]
    public void Teacher_maps_move_with_the_augmentation_and_flipped_faces_swap_their_mirror_points()
    {
        var keypoints = tensor(Points()).reshape(2, 136);
        // A perfect teacher: the zero-one map of each point at the teacher's 56 cells.
        var teacherObjective = new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, Teacher, Teacher);
        var teacher = teacherObjective.Targets(keypoints);
        var augmenter = new KeypointAugmenter(new AugmentationOptions { FlipProbability = 1, MirrorMap = MirrorMaps.Ibug68 });
        GeometricTransform[] transforms = [new(12f, 5f, -3f, Flip: false, Scale: 1.1f), new(-8f, -4f, 6f, Flip: true, Scale: 0.9f)];
        var images = zeros(2, 1, Image, Image);
        var (_, moved) = augmenter.ApplyGeometry(images, keypoints, transforms);

        var soft = TeacherMapWarp.Apply(teacher, transforms, Image, Image, MirrorMaps.Ibug68, Student, Student);
        Assert.That(soft.shape, Is.EqualTo(new long[] { 2, 68, Student, Student }));
        var centres = Centres(soft);
        var expected = moved.contiguous().data<float>().ToArray();
        // Within the two grids' quantization: the teacher's cell centre is up to half a 56-cell from its point, and a
        // student cell puts what it holds at its own centre (up to half a 32-cell).
        const float Quantization = 0.5f / Teacher + 0.5f / Student;
        Assert.That(centres, Is.EqualTo(expected).Within(Quantization), "each soft map is centred where the augmented keypoint is");
        Assert.That(soft.max().item<float>(), Is.LessThanOrEqualTo(1f));

        // Without the remap a flipped face's map k would sit on its mirror point: the remap is what the check above tests.
        var unmapped = TeacherMapWarp.Apply(teacher, transforms, Image, Image, Enumerable.Range(0, 68).ToArray(), Student, Student);
        Assert.That(Centres(unmapped), Is.Not.EqualTo(expected).Within(Quantization));
    }

    [Test]
    public void Unaugmented_teacher_maps_keep_their_probability_mass_at_the_students_resolution()
    {
        var keypoints = tensor(Points()).reshape(2, 136);
        var teacher = new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, Teacher, Teacher).Targets(keypoints) * 0.5f;
        var soft = TeacherMapWarp.Apply(teacher, transforms: null, Image, Image, mirrorMap: null, Student, Student);
        var mass = soft.sum([2, 3]).contiguous().data<float>().ToArray();
        Assert.That(mass, Has.All.EqualTo(0.5f).Within(1e-5f), "each student cell holds the teacher probability of the cells it covers");
    }

    [Test]
    public void The_shipped_heatmap_model_as_teacher_puts_its_maps_on_the_labelled_points_of_the_students_crops()
    {
        // Four training faces, as distillation uses them, in the fast recipe's crops (scale 1.4, square, 128 px).
        var ml = new MLContext(0);
        var rows = KeypointDatasets.Load(ml, KeypointDatasets.IbugTrain).Rows.Take(4).ToList();
        var student = new FacePreprocessing { InputHeight = 128, InputWidth = 128, CropScale = 1.4f, CropSquare = true };
        string teacherPath = Path.Combine(RepositoryFiles.Root(), "models", "ibug68-heatmap.onnx");
        var maps = TeacherHeatmaps.Compute(ml, rows, student, learned: null, teacherPath, 68, TextWriter.Null);
        Assert.That(maps.shape, Is.EqualTo(new long[] { 4, 68, 64, 64 }));
        Assert.That(maps.min().item<float>(), Is.GreaterThanOrEqualTo(0f), "probabilities");
        Assert.That(maps.max().item<float>(), Is.LessThanOrEqualTo(1f), "probabilities");

        // The maps' centres, mapped back through the student's crop, land on the labels: the same crops line up.
        using var crops = KeypointML.Training.Training.FaceTensorLoader.Load(ml, rows, student);
        var centres = Centres(TeacherMapWarp.Apply(maps, transforms: null, 128, 128, mirrorMap: null, Student, Student));
        for (int n = 0; n < rows.Count; n++)
        {
            var predicted = crops.Faces[n].Crop.KeypointsFromNormalized(centres.AsSpan(n * 136, 136).ToArray());
            double nme = KeypointErrors.NmeInterOcular(rows[n].Keypoints, predicted);
            TestContext.Out.WriteLine($"{rows[n].ImagePath}: NME of the teacher maps' centres {100 * nme:F2}%");
            Assert.That(nme, Is.LessThan(0.08), "within the 8% failure threshold of the labels");
        }

        var wrongCrop = student with { CropScale = 1.2f };
        Assert.That(() => TeacherHeatmaps.Compute(ml, rows, wrongCrop, null, teacherPath, 68, TextWriter.Null),
            Throws.ArgumentException.With.Message.Contains("would not line up"));
    }

    [Test]
    public void A_teacher_that_agrees_with_the_labels_leaves_the_loss_unchanged_and_one_that_does_not_changes_it()
    {
        manual_seed(3);
        var keypoints = tensor(Points()).reshape(2, 136);
        var plain = new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, Student, Student);
        var distilled = plain with { TeacherWeight = 0.5f };
        var output = randn(2, 68, Student, Student);
        var labels = plain.Targets(keypoints);
        float expected = plain.Loss(output, keypoints).item<float>();
        Assert.That(distilled.Loss(output, keypoints, labels).item<float>(), Is.EqualTo(expected).Within(1e-4f));
        Assert.That(distilled.Loss(output, keypoints, null).item<float>(), Is.EqualTo(expected).Within(1e-4f), "no teacher for the batch: the labels alone");
        Assert.That(distilled.Loss(output, keypoints, zeros_like(labels)).item<float>(), Is.Not.EqualTo(expected).Within(1e-2f));
        Assert.That(distilled.Fingerprint, Does.EndWith(",teacher=0.5"));
        Assert.That(plain.Fingerprint, Does.Not.Contain("teacher"), "runs without a teacher keep their fingerprint, so they resume");
    }
}
