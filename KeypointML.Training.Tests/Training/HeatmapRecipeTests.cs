using KeypointML.Training.Augmentation;
using KeypointML.Preprocessing;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Training;
using KeypointML.Transforms;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>The heatmap recipes end to end at smoke size, and their exported model in the ML.NET pipeline.</summary>
public class HeatmapRecipeTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        dir = Path.Combine(Path.GetTempPath(), "kpml-heatmap-recipe-" + Guid.NewGuid().ToString("N"));
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    [Test]
    public void InitFrom_StartsFromTheRunsBestWeights_AndTrainsWithTheAmbiguityLoss()
    {
        var overrides = new RecipeOverrides { Limit = 8, Epochs = 1, InputSize = 64, BatchSize = 4, Pretrained = false };
        var first = Path.Combine(dir, "first");
        Dictionary<string, float[]> trained;
        using (var run = RecipeRunner.Prepare("ibug-heatmap-zeroone", overrides, first, resume: false, TextWriter.Null))
        {
            run.Train(null); // one epoch: its weights are the best ones
            trained = run.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).data<float>().ToArray());
        }

        var log = new StringWriter();
        var fineTune = overrides with { InitFrom = first, AmbiguityWeight = 1f, LearningRate = 1e-4 };
        using var tuned = RecipeRunner.Prepare("ibug-heatmap-zeroone", fineTune, Path.Combine(dir, "tuned"), resume: false, log);
        Assert.That(log.ToString(), Does.Contain("initialised from the best weights of " + first));
        foreach (var (name, value) in tuned.Model.state_dict())
            Assert.That(value.to(ScalarType.Float32).data<float>().ToArray(), Is.EqualTo(trained[name]), name);
        Assert.That(((HeatmapObjective)tuned.Options.Objective).AmbiguityWeight, Is.EqualTo(1f));
        var result = tuned.Train(null);
        Assert.That(double.IsFinite(result.History[0].TrainLoss), Is.True);
    }

    [Test]
    public void ValidateLowResolution_MeasuresTheValidationFacesMadeSmall_AsTheAugmentationMakesThem()
    {
        var overrides = new RecipeOverrides { Limit = 8, Epochs = 1, InputSize = 64, BatchSize = 4 };
        using var sharp = RecipeRunner.Prepare("ibug-fast", overrides, Path.Combine(dir, "sharp"), resume: false, TextWriter.Null);
        var log = new StringWriter();
        using var small = RecipeRunner.Prepare("ibug-fast", overrides with { ValidateLowResolution = 0.3f }, Path.Combine(dir, "small"), resume: false, log);
        Assert.That(log.ToString(), Does.Contain("validation faces shrunk to 0.3 of their side"));
        int n = sharp.ValidationCount;
        Assert.That(small.ValidationCount, Is.EqualTo(n).And.GreaterThan(0));
        using var expected = KeypointAugmenter.ApplyLowResolution(sharp.Validation.Images, [.. Enumerable.Repeat<float?>(0.3f, n)]);
        Assert.That(small.Validation.Images.data<float>().ToArray(), Is.EqualTo(expected.data<float>().ToArray()));
        Assert.That(small.Validation.Images.data<float>().ToArray(), Is.Not.EqualTo(sharp.Validation.Images.data<float>().ToArray()));
        Assert.That(small.Validation.Targets.data<float>().ToArray(), Is.EqualTo(sharp.Validation.Targets.data<float>().ToArray()), "the points stay");
    }

    [Test]
    public void ZeroOneRecipe_SmokeRun_ExportsAHeatmapModel_ThatDetectKeypointsScoresLikeTorchSharp()
    {
        var overrides = new RecipeOverrides { Limit = 8, Epochs = 1, InputSize = 64, BatchSize = 4, Pretrained = false };
        using var run = RecipeRunner.Prepare("ibug-heatmap-zeroone", overrides, dir, resume: false, TextWriter.Null);
        run.Train(null);
        var summary = run.Finish();
        Assert.That(summary.OnnxMaxAbsDifference, Is.LessThan(1e-4f));
        Assert.That(summary.RefinedValidation, Is.Not.Null);
        Assert.That(summary.Validation.NmeInterOcular, Is.Not.Null);
        foreach (var picture in new[] { "losses.png", "val_best.png", "val_worst.png", "heatmaps.png", "filters.png" })
            Assert.That(File.Exists(Path.Combine(dir, picture)), Is.True, picture);

        KeypointModelMetadata meta;
        using (var opened = KeypointModel.Open(summary.OnnxPath)) meta = opened.Metadata;
        Assert.That(meta.OutputKind, Is.EqualTo(KeypointOutputKind.Heatmaps));
        Assert.That((meta.HeatmapHeight, meta.HeatmapWidth), Is.EqualTo((16, 16)));

        // The same validation faces through ML.NET (load, crop around the box, normalize, ONNX, heatmap decoding) and
        // through TorchSharp (the training tensors, argmax through the same decoder).
        var ml = new MLContext(seed: 0);
        var rows = KeypointDatasets.Load(ml, KeypointDatasets.IbugTrain).Rows.ToList();
        var faces = RecipeRunner.HoldOutByImage(rows, 0.1, 1).Validation.Take(2).ToList();
        var data = ml.Data.LoadFromEnumerable(faces.Select(f => new ImageRow { ImagePath = f.ImagePath, Box = f.Box }));
        var scored = ml.Transforms.DetectKeypoints(summary.OnnxPath, boxColumnName: "Box").Fit(data).Transform(data);
        var detected = ml.Data.CreateEnumerable<HeatmapDetectionRow>(scored, false).ToList();

        using var tensors = FaceTensorLoader.Load(ml, faces, new FacePreprocessing { InputHeight = 64, InputWidth = 64, CropScale = meta.CropScale, CropSquare = true });
        run.Model.eval();
        float[] torchMaps;
        using (no_grad())
        using (var maps = run.Model.Infer(tensors.Images))
            torchMaps = maps.contiguous().data<float>().ToArray();
        using var normalized = Trainer.PredictKeypoints(run.Model, tensors.Images, 4, run.Options.Objective);
        var expected = normalized.data<float>().ToArray();
        const int cells = 16 * 16;
        int same = 0;
        for (int i = 0; i < faces.Count; i++)
        {
            Assert.That(detected[i].CropGeometry, Is.EqualTo(tensors.Faces[i].Crop.ToVector()));
            var torchFace = torchMaps.AsSpan(i * 68 * cells, 68 * cells).ToArray();
            float diff = detected[i].ModelOutput.Zip(torchFace, (a, b) => Math.Abs(a - b)).Max();
            Assert.That(diff, Is.LessThan(1e-4f), $"face {i}: ML.NET heatmaps vs TorchSharp");
            Assert.That(detected[i].Confidence.All(c => c is > 0f and < 1f), Is.True, "the exported zero-one model ends in a sigmoid");
            var torchPixels = tensors.Faces[i].Crop.KeypointsFromNormalized(expected.AsSpan(i * 136, 136));
            for (int k = 0; k < 68; k++)
            {
                if (Math.Abs(detected[i].Keypoints[2 * k] - torchPixels[2 * k]) < 1e-3f && Math.Abs(detected[i].Keypoints[2 * k + 1] - torchPixels[2 * k + 1]) < 1e-3f)
                {
                    same++;
                    continue;
                }
                // Only a near-tie between two cells (closer than the ONNX Runtime / TorchSharp difference) may decode differently.
                var top2 = torchFace.AsSpan(k * cells, cells).ToArray().OrderDescending().Take(2).ToArray();
                Assert.That(top2[0] - top2[1], Is.LessThan(1e-4f), $"face {i}, point {k}: decoded differently without a near-tie");
            }
        }
        TestContext.Out.WriteLine($"{same} of {faces.Count * 68} keypoints decoded identically by ML.NET and TorchSharp; the rest are near-ties of this barely trained model");
    }

    /// <summary>What DetectKeypoints adds for a heatmap model, with the raw heatmaps.</summary>
    private sealed class HeatmapDetectionRow
    {
        public float[] Keypoints { get; set; } = [];
        public float[] Confidence { get; set; } = [];
        public float[] CropGeometry { get; set; } = [];
        public float[] ModelOutput { get; set; } = [];
    }

    [Test]
    public void Recipes_AreRegistered_WithTheirHeatmapObjectives()
    {
        Assert.That(TrainingRecipe.Names, Does.Contain("ibug-heatmap-gaussian").And.Contain("ibug-heatmap-zeroone"));
        var gaussian = TrainingRecipe.Get("ibug-heatmap-gaussian").Heatmap!.Objective(224, new RecipeOverrides());
        Assert.That((gaussian.Target, gaussian.LossKind, gaussian.Height, gaussian.Sigma), Is.EqualTo((HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, 56, 1.5f)));
        var fine = TrainingRecipe.Get("ibug-heatmap-gaussian").Heatmap!.Objective(224, new RecipeOverrides { HeatmapStride = 2, HeatmapLoss = HeatmapLossKind.Logistic });
        Assert.That((fine.Height, fine.Sigma, fine.OutputIsLogits), Is.EqualTo((112, 3f, true)));
        var zeroOne = TrainingRecipe.Get("ibug-heatmap-zeroone").Heatmap!.Objective(64, new RecipeOverrides());
        Assert.That((zeroOne.Target, zeroOne.LossKind, zeroOne.Height), Is.EqualTo((HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, 16)));
        Assert.That(() => TrainingRecipe.Get("ibug-heatmap-zeroone").Heatmap!.Objective(224, new RecipeOverrides { HeatmapLoss = HeatmapLossKind.Mse }),
            Throws.ArgumentException.With.Message.Contains("logistic"));
    }
}

internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    [Microsoft.ML.Data.VectorType(4)] public float[] Box { get; set; } = [0, 0, 1, 1];
}
