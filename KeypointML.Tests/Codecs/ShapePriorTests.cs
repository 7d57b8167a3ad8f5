using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Transforms;

namespace KeypointML.Tests.Codecs;

/// <summary>The face-shape prior: fitted when a model ships (ShapePriorFit), kept in its metadata and in saved pipelines,
/// applied by the decoders last, in the frame of the mean shape whatever the face's position, size and rotation.</summary>
public class ShapePriorTests
{
    // A small face-like shape of 5 points (eyes, nose, mouth corners), centred and of unit size.
    private static readonly float[] Base = [-0.3f, -0.3f, 0.3f, -0.3f, 0f, 0f, -0.25f, 0.35f, 0.25f, 0.35f];

    private static float[] Identity(int n) => [.. Enumerable.Range(0, n * n).Select(i => i / n == i % n ? 1f : 0f)];

    private static float[] Similar(float[] shape, double angle, double scale, float dx, float dy)
    {
        var r = new float[shape.Length];
        for (int k = 0; k < shape.Length / 2; k++)
        {
            double x = shape[2 * k], y = shape[2 * k + 1];
            r[2 * k] = (float)(scale * (Math.Cos(angle) * x - Math.Sin(angle) * y) + dx);
            r[2 * k + 1] = (float)(scale * (Math.Sin(angle) * x + Math.Cos(angle) * y) + dy);
        }
        return r;
    }

    [Test]
    public void An_identity_gain_leaves_any_face_as_it_is_and_a_zero_gain_gives_the_mean_shape_in_the_faces_frame()
    {
        var face = Similar([.. Base.Select((v, i) => v + (i % 3 == 0 ? 0.05f : -0.02f))], 0.4, 80, 200, 150);
        var kept = face.ToArray();
        new ShapePrior(Base, Identity(10)).Apply(kept);
        Assert.That(kept, Is.EqualTo(face).Within(1e-3f), "pixels: the identity changes nothing");

        var mean = face.ToArray();
        new ShapePrior(Base, new float[100]).Apply(mean);
        // The result is the mean shape under the similarity that best maps the face's points onto it: the same
        // centroid as the face, and the mean's shape exactly (a similarity of Base).
        Assert.That(mean.Where((_, i) => i % 2 == 0).Average(), Is.EqualTo(face.Where((_, i) => i % 2 == 0).Average()).Within(1e-3));
        Assert.That(mean.Where((_, i) => i % 2 == 1).Average(), Is.EqualTo(face.Where((_, i) => i % 2 == 1).Average()).Within(1e-3));
        double d01 = Math.Sqrt(Math.Pow(mean[2] - mean[0], 2) + Math.Pow(mean[3] - mean[1], 2));
        double d34 = Math.Sqrt(Math.Pow(mean[8] - mean[6], 2) + Math.Pow(mean[9] - mean[7], 2));
        Assert.That(d34 / d01, Is.EqualTo(0.5 / 0.6).Within(1e-4), "the mean's proportions");
    }

    [Test]
    public void The_correction_follows_the_face_when_it_moves_turns_and_scales()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var model = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        var prior = model.Metadata.ShapePrior ?? throw new AssertionException("the shipped fast model carries a shape prior");
        var face = KeypointDatasets.Load(new Microsoft.ML.MLContext(0), KeypointDatasets.IbugValidation).Rows.First().Keypoints;
        var noisy = face.Select((v, i) => v + 3f * MathF.Sin(7 * i)).ToArray();   // a few pixels off, as a model errs
        var once = noisy.ToArray();
        prior.Apply(once);
        Assert.That(once, Is.Not.EqualTo(noisy));
        foreach (var (angle, scale, dx, dy) in new[] { (0.3, 0.5, 40f, -10f), (-1.2, 2.0, -300f, 90f) })
        {
            var moved = Similar(noisy, angle, scale, dx, dy);
            prior.Apply(moved);
            Assert.That(moved, Is.EqualTo(Similar(once, angle, scale, dx, dy)).Within(2e-3f * (float)scale * 10));
        }
    }

    [Test]
    public void Points_with_a_NaN_or_on_one_spot_are_left_and_a_wrong_size_is_an_error()
    {
        var prior = new ShapePrior(Base, Identity(10));
        var nan = Base.ToArray();
        nan[3] = float.NaN;
        prior.Apply(nan);
        Assert.That(nan[0], Is.EqualTo(Base[0]));
        var spot = new float[10];
        prior.Apply(spot);
        Assert.That(spot, Has.All.EqualTo(0f));
        Assert.Throws<ArgumentException>(() => prior.Apply(new float[8]));
        Assert.Throws<ArgumentException>(() => new ShapePrior(Base, new float[99]));
        Assert.Throws<ArgumentException>(() => new ShapePrior(new float[10], Identity(10)), "a mean collapsed to a point");
    }

    [Test]
    public void The_prior_survives_the_metadata_and_a_bad_one_names_the_file_and_the_key()
    {
        var prior = new ShapePrior(Base, [.. Identity(10).Select((v, i) => v * 0.8f + i * 1e-4f)]);
        var meta = new KeypointModelMetadata { InputHeight = 8, InputWidth = 8, KeypointCount = 5, OutputKind = KeypointOutputKind.Coordinates, ShapePrior = prior };
        var props = meta.ToProperties().ToDictionary();
        var read = KeypointModelMetadata.FromProperties(props, "m.onnx");
        Assert.That(read, Is.EqualTo(meta));
        Assert.That(read.ShapePrior!.Gain.ToArray(), Is.EqualTo(prior.Gain.ToArray()));

        props[KeypointModelMetadata.KeyPrefix + "shape_prior"] = prior.Format()[..40];
        var e = Assert.Throws<InvalidDataException>(() => KeypointModelMetadata.FromProperties(props, "m.onnx"));
        Assert.That(e!.Message, Does.Contain("m.onnx").And.Contain("keypointml.shape_prior").And.Contain("5 points"));
    }

    [Test]
    public void The_prior_goes_outside_the_offsets_and_survives_a_saved_pipeline_whatever_form_the_offsets_have()
    {
        var prior = new ShapePrior(Base, [.. Identity(10).Select(v => v * 0.5f)]);
        foreach (var offsets in new[] { CalibrationOffsets.None, CalibrationOffsets.Uniform(0.01f, -0.02f), CalibrationOffsets.PerPoint([.. Enumerable.Range(0, 10).Select(i => i * 0.001f)]) })
        {
            var codec = ShapePriorCodec.Wrap(OffsetCorrectedCodec.Wrap(new CoordinateCodec(5), offsets), prior);
            var saved = CodecParameters.Write(codec);
            Assert.That(saved, Has.Length.EqualTo(6 + 20 + 100));
            var read = CodecParameters.Read(saved);
            Assert.That(read, Is.TypeOf<ShapePriorCodec>());
            Assert.That(((ShapePriorCodec)read).Prior, Is.EqualTo(prior));
            // Same points from the same output.
            float[] output = [.. Similar(Base, 0.2, 0.3, 0.5f, 0.5f).Select((v, i) => v + (i % 4) * 0.01f)];
            var a = new float[10];
            var b = new float[10];
            codec.Decode(output, a, new float[5]);
            read.Decode(output, b, new float[5]);
            Assert.That(b, Is.EqualTo(a).Within(1e-6f), offsets.ToString());
        }
        Assert.That(new ShapePriorCodec(new CoordinateCodec(5), prior).DescribeIn(new KeypointModelMetadata { InputHeight = 8, InputWidth = 8, KeypointCount = 5, OutputKind = KeypointOutputKind.Coordinates }).ShapePrior,
            Is.EqualTo(prior));
        Assert.Throws<ArgumentException>(() => new ShapePriorCodec(new CoordinateCodec(4), prior), "a prior of 5 points on a 4-point model");
    }

    [Test]
    public void The_shipped_fast_models_prior_lowers_its_error_on_the_held_out_faces_and_is_on_by_default()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        double Nme(bool prior)
        {
            using var run = ModelOnDataset.Open(new Microsoft.ML.MLContext(0), RepositoryFiles.Model("ibug68-fast"), KeypointDatasets.IbugValidation, requireTruth: true,
                choices: new ScoringChoices(ShapePrior: prior));
            return run.Predict().Average(f => KeypointErrors.NmeInterOcular(f.Truth!, f.Keypoints));
        }
        double with = Nme(true), without = Nme(false);
        TestContext.Out.WriteLine($"ibug68-fast on ibug-val: NME_io {100 * without:F3}% without its prior, {100 * with:F3}% with it");
        // Its card: 3.421% -> 3.336% on these 122 faces.
        Assert.That(with, Is.LessThan(without - 0.0005));
        Assert.That(KeypointDefaults.ApplyShapePrior, Is.True);
        Assert.That(new KeypointDetectionOptions().ApplyShapePrior, Is.True);
    }

    [Test]
    public void Fitting_a_prior_to_noisy_predictions_of_varied_shapes_removes_part_of_the_noise()
    {
        // Synthetic faces: the base shape with two modes of variation, placed anywhere; the "model" adds independent noise,
        // three times as much on the last two points (a jaw). Fit on 400 faces, check on 200 others.
        var random = new Random(3);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        (float[] Label, float[] Prediction) Face()
        {
            double smile = 0.05 * Gauss(), wide = 0.04 * Gauss();
            float[] shape = [.. Base.Select((v, i) => v + (float)(i >= 6 ? (i % 2 == 0 ? Math.Sign(v) * smile : -smile) : (i % 2 == 0 ? Math.Sign(v) * wide : 0)))];
            var label = Similar(shape, 0.3 * Gauss(), 100 + 20 * Gauss(), (float)(300 * random.NextDouble()), (float)(300 * random.NextDouble()));
            var prediction = label.Select((v, i) => v + (float)((i >= 6 ? 6 : 2) * Gauss())).ToArray();
            return (label, prediction);
        }
        var fit = Enumerable.Range(0, 400).Select(_ => Face()).ToList();
        var test = Enumerable.Range(0, 200).Select(_ => Face()).ToList();
        var prior = ShapePriorFit.Build([.. fit.Select(f => f.Label)], [.. fit.Select(f => f.Prediction)], noiseScale: 0.3);
        double Error(bool apply) => test.Average(f =>
        {
            var p = f.Prediction.ToArray();
            if (apply) prior.Apply(p);
            return KeypointErrors.MeanPointError(f.Label, p);
        });
        TestContext.Out.WriteLine($"mean point error {Error(false):F2} px -> {Error(true):F2} px");
        Assert.That(Error(true), Is.LessThan(0.85 * Error(false)));

        var choice = ShapePriorFit.Choose([.. fit.Select(f => f.Label)], [.. fit.Select(f => f.Prediction)], [.. test.Select(f => f.Label)], [.. test.Select(f => f.Prediction)]);
        Assert.That(choice.Candidates, Has.Count.EqualTo(ShapePriorFit.NoiseScales.Count));
        Assert.That(choice.Prior, Is.Not.Null);
        Assert.That(choice.Candidates.Min(c => c.Nme), Is.LessThan(choice.NmeWithout));
    }
}
