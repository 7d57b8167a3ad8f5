using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Training;
using KeypointML.Transforms;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Tests.Parity;

/// <summary>
/// Training and inference share one preprocessing definition and one codec: for every shipped model, on 16 real faces
/// of its evaluation set, the training loader's tensors are the tensors <c>DetectKeypoints</c> feeds the model, and the
/// training side's decode of the network's output gives the pipeline's keypoints, for every heatmap refinement.
/// </summary>
public class TrainingInferenceParityTests
{
    private const int Faces = 16;

    private static IEnumerable<string> ShippedModels() => RepositoryFiles.KeypointModelNames();

    [SetUp]
    public void RequireData()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
    }

    private sealed record Setup(KeypointModel Model, List<KeypointSample> Rows, int[]? Learned, TensorDataset Tensors) : IDisposable
    {
        public void Dispose()
        {
            Model.Dispose();
            Tensors.Dispose();
        }
    }

    private static Setup Load(MLContext ml, string name)
    {
        var model = KeypointModel.Open(RepositoryFiles.Model(name));
        var spec = EvaluationSets.Require(model.Metadata, model.Path);
        var dataset = KeypointDatasets.Load(ml, spec);
        var rows = dataset.Rows.Take(Faces).ToList();
        var learned = LearnedKeypoints.Resolve(model.Metadata, model.Path, dataset.KeypointCount, spec);
        return new Setup(model, rows, learned, FaceTensorLoader.Load(ml, rows, model.Preprocessing, learned));
    }

    private static IDataView Detect(MLContext ml, Setup s, HeatmapRefinement refinement, string? pixels = null)
    {
        var data = KeypointDataViews.Create(ml, s.Rows, s.Rows[0].KeypointCount);
        var options = new KeypointDetectionOptions { Model = s.Model, BoxColumnName = KeypointColumns.Box, Refinement = refinement, PixelsColumnName = pixels };
        return ml.Transforms.DetectKeypoints(options).Fit(data).Transform(data);
    }

    [TestCaseSource(nameof(ShippedModels))]
    public void TrainingLoader_AndDetectKeypoints_FeedTheModelTheSameTensor(string name)
    {
        var ml = new MLContext(seed: 0);
        using var s = Load(ml, name);
        var pipeline = LibraryPipeline.Column(Detect(ml, s, HeatmapRefinement.None, pixels: "ModelInput"), "ModelInput");
        var training = s.Tensors.Images.contiguous().data<float>().ToArray();
        int length = s.Model.InputLength;
        Assert.That(pipeline, Has.Count.EqualTo(Faces));
        float max = 0;
        for (int i = 0; i < Faces; i++)
            for (int j = 0; j < length; j++)
                max = MathF.Max(max, MathF.Abs(pipeline[i][j] - training[i * length + j]));
        Assert.That(max, Is.EqualTo(0f), $"{name}: largest difference between the training tensor and the pipeline's");
    }

    [TestCaseSource(nameof(ShippedModels))]
    public void TrainingSideDecode_EqualsThePipeline_ForEveryRefinement(string name)
    {
        var ml = new MLContext(seed: 0);
        using var s = Load(ml, name);
        var m = s.Model.Metadata;
        // What the exported graph outputs for the training tensors, as one batch (the pipeline scores its first 16 rows
        // as one batch too), and the network output it stands for: the logits before the exported sigmoid.
        var exported = new float[Faces * s.Model.OutputLength];
        s.Model.Run(s.Tensors.Images.contiguous().data<float>().ToArray(), Faces, exported);
        var raw = m.OutputActivation == OutputActivation.Sigmoid
            ? exported.Select(p => (float)(Math.Log(p) - Math.Log(1 - (double)p))).ToArray()
            : exported;
        long[] shape = m.OutputKind == KeypointOutputKind.Heatmaps ? [Faces, m.KeypointCount, m.HeatmapHeight, m.HeatmapWidth] : [Faces, 2 * m.KeypointCount];
        using var output = tensor(raw, shape);
        HeatmapRefinement[] refinements = m.OutputKind == KeypointOutputKind.Heatmaps ? Enum.GetValues<HeatmapRefinement>() : [HeatmapRefinement.None];
        foreach (var refinement in refinements)
        {
            ITrainingObjective objective = m.OutputKind == KeypointOutputKind.Heatmaps
                // Target and loss do not matter to the decode; the logistic loss makes the objective apply the sigmoid.
                ? new HeatmapObjective(HeatmapTargetKind.ZeroOne, m.OutputActivation == OutputActivation.Sigmoid ? HeatmapLossKind.Logistic : HeatmapLossKind.Mse,
                    m.HeatmapHeight, m.HeatmapWidth, Refinement: refinement)
                : CoordinateMse.Instance;
            using var decoded = objective.Decode(output);
            var normalized = decoded.contiguous().data<float>().ToArray();
            // A shipped model may carry a calibration offset (ship --calibrate); the pipeline subtracts it after the decode.
            for (int j = 0; j < normalized.Length; j += 2)
            {
                var (x, y) = m.Offsets[j / 2 % m.KeypointCount];
                normalized[j] -= x;
                normalized[j + 1] -= y;
            }
            // And a shape prior (ship --shape-prior), applied to each face's calibrated points.
            if (m.ShapePrior is { } prior)
                for (int i = 0; i < Faces; i++) prior.Apply(normalized.AsSpan(i * 2 * m.KeypointCount, 2 * m.KeypointCount));
            var pipeline = LibraryPipeline.Column(Detect(ml, s, refinement), KeypointColumns.Keypoints);
            int d = 2 * m.KeypointCount;
            double max = 0;
            for (int i = 0; i < Faces; i++)
            {
                var training = s.Tensors.Faces[i].Crop.KeypointsFromNormalized(normalized.AsSpan(i * d, d));
                for (int j = 0; j < d; j++) max = Math.Max(max, Math.Abs(training[j] - pipeline[i][j]));
            }
            Assert.That(max, Is.LessThan(1e-3), $"{name}, {refinement}: largest keypoint difference in pixels");
        }
    }
}
