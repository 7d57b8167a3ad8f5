using KeypointML.Tooling.Files;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Report;
using System.Globalization;
using System.Text.Json;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Preprocessing;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Distillation;
using KeypointML.Codecs;
using KeypointML.Training.Export;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Models;
using KeypointML.Tooling.Plots;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>Figures of a trained model on one dataset.</summary>
/// <param name="Mse">MSE of the normalized crop coordinates (the training loss).</param>
/// <param name="MeanPixelError">Mean over faces of the mean Euclidean point error, in pixels of the original images.</param>
/// <param name="BaselineMse">The same MSE for the trivial model that predicts the mean training shape for every face.</param>
/// <param name="NmeInterOcular">68-point data: mean over faces of the mean point error divided by the distance between
/// points 36 and 45 (as the ML.NET evaluation component); null otherwise.</param>
public sealed record SplitMetrics(string Data, int Faces, double Mse, double MeanPixelError, double BaselineMse, double BaselineMeanPixelError,
    double? NmeInterOcular = null);

/// <summary>What a finished run reports (also written as summary.json in the run folder).</summary>
/// <param name="RefinedValidation">Heatmap models: the validation figures with the decoder's log-parabola refinement
/// (the plain ones are argmax), as the report gives them.</param>
public sealed record RunSummary(string Recipe, string RunFolder, int Epochs, int BestEpoch, double BestValidationLoss,
    SplitMetrics Validation, SplitMetrics? Test, string OnnxPath, float OnnxMaxAbsDifference, int ParityImages, double SecondsPerEpoch, string? CropNote,
    string? Objective = null, SplitMetrics? RefinedValidation = null, SplitMetrics? RefinedTest = null);

/// <summary>How a run's faces become tensors (the library's preprocessing) and which of their points it learns (null = all).</summary>
public sealed record FaceSetup(FacePreprocessing Preprocessing, int[]? Learned);

/// <summary>Runs a <see cref="TrainingRecipe"/> end to end: data through the ML.NET preprocessing, training, metrics,
/// pictures, ONNX export with its parity check.</summary>
public static class RecipeRunner
{
    public const string RunFile = "run.json";

    private sealed record SavedRun(string Recipe, RecipeOverrides Overrides);

    /// <summary>Prepares, trains and finishes in one call.</summary>
    public static RunSummary Run(string recipeName, RecipeOverrides overrides, string runFolder, bool resume, ITrainingProgress? progress, TextWriter log)
    {
        using var run = Prepare(recipeName, overrides, runFolder, resume, log);
        run.Train(progress);
        return run.Finish();
    }

    /// <summary>Loads the data through the ML.NET preprocessing and builds the model and trainer (nothing trained yet).</summary>
    public static PreparedRun Prepare(string recipeName, RecipeOverrides overrides, string runFolder, bool resume, TextWriter log)
    {
        var recipe = TrainingRecipe.Get(recipeName);
        var runFile = Path.Combine(runFolder, RunFile);
        if (resume)
        {
            if (!File.Exists(runFile)) throw new FileNotFoundException($"{runFile}: nothing to resume (no run in this folder).");
            var saved = JsonSerializer.Deserialize<SavedRun>(File.ReadAllText(runFile))
                ?? throw new InvalidDataException($"{runFile}: empty run description.");
            if (saved.Recipe != recipe.Name) throw new ArgumentException($"{runFile}: the run in this folder is '{saved.Recipe}', not '{recipe.Name}'.");
            var others = overrides with { Epochs = null };
            if (others != new RecipeOverrides()) log.WriteLine("note: --resume keeps the run's saved settings; only --epochs can change.");
            overrides = saved.Overrides with { Epochs = overrides.Epochs ?? saved.Overrides.Epochs };
        }
        Directory.CreateDirectory(runFolder);
        AtomicFile.WriteAllText(runFile, JsonSerializer.Serialize(new SavedRun(recipe.Name, overrides), new JsonSerializerOptions { WriteIndented = true }));

        int epochs = overrides.Epochs ?? recipe.Epochs;
        var options = new TrainerOptions
        {
            Epochs = epochs,
            LearningRate = overrides.LearningRate ?? recipe.LearningRate,
            WeightDecay = overrides.WeightDecay ?? recipe.WeightDecay,
            Schedule = overrides.Schedule ?? recipe.Schedule,
            // A short run (--epochs 1 for a smoke test) keeps as much of the recipe's warm-up as leaves one epoch to train;
            // an explicit --warmup-epochs is checked as given.
            WarmupEpochs = overrides.WarmupEpochs ?? Math.Min(recipe.WarmupEpochs, epochs - 1),
            BatchSize = overrides.BatchSize ?? recipe.BatchSize,
            Seed = overrides.Seed ?? 1,
            RunFolder = runFolder,
            Augmentation = recipe.Augmentation with
            {
                MaxScale = overrides.MaxScale ?? recipe.Augmentation.MaxScale,
                OcclusionProbability = overrides.Occlusion ?? recipe.Augmentation.OcclusionProbability,
                LowResolutionProbability = overrides.LowResolution ?? recipe.Augmentation.LowResolutionProbability,
            },
        };
        options.Validate();
        int inputSize = overrides.InputSize ?? recipe.InputSize;
        var heatmapObjective = recipe.Heatmap?.Objective(inputSize, overrides);
        if (heatmapObjective is not null) options = options with { Objective = heatmapObjective };

        var ml = new MLContext(seed: 0);
        var (trainRows, valRows) = TrainAndValidationRows(ml, recipe);
        if (overrides.Limit is int limit) { trainRows = trainRows.Take(limit).ToList(); valRows = valRows.Take(Math.Max(1, limit / 4)).ToList(); }

        string? cropNote = null;
        // How faces are cropped (the preprocessing is completed with the model's input size below) and which points are learned.
        (float Scale, bool Square) crop;
        int[]? learned = null;
        random.manual_seed(options.Seed);
        KeypointNet model;
        switch (recipe.Name)
        {
            case "imm-nose":
                // The whole image: IMM has no boxes, so its box column is the whole image, and scale 1 unsquared crops exactly that.
                crop = (1f, false);
                learned = [TrainingRecipe.ImmNoseTipIndex];
                model = new NoseTipNet();
                break;
            case "imm-face58":
                crop = (1f, false);
                model = new Face58Net(keypointCount: trainRows[0].KeypointCount);
                break;
            case "ibug-resnet18" or "ibug-heatmap-gaussian" or "ibug-heatmap-zeroone" or "ibug-fast":
                float scale;
                if (overrides.CropScale is float given) { scale = given; cropNote = $"crop scale {given:F2} (given)"; }
                else
                {
                    var m = CropMargin.Measure(trainRows);
                    scale = m.Chosen;
                    cropNote = m.ToString();
                }
                log.WriteLine(cropNote);
                crop = (scale, true);
                int keypoints = trainRows[0].KeypointCount;
                if (heatmapObjective is null) model = new ResNet18(keypoints, inputSize, inputSize);
                else if (recipe.Name == "ibug-fast")
                    model = new FastHeatmapNet(keypoints, inputSize, heatmapObjective.OutputIsLogits, inputSize / heatmapObjective.Width, FastHeatmapNet.WideWidths);
                else
                    model = new HeatmapResNet18(keypoints, inputSize, inputSize, inputSize / heatmapObjective.Width, sigmoidOnExport: heatmapObjective.OutputIsLogits);
                break;
            default:
                throw new ArgumentException($"recipe '{recipe.Name}' has no model.");
        }
        if (heatmapObjective is not null) log.WriteLine(heatmapObjective.Describe());
        log.WriteLine($"preprocessing {trainRows.Count} training and {valRows.Count} validation faces through the ML.NET pipeline ({model.InputHeight}x{model.InputWidth})...");
        var preprocessing = new FacePreprocessing { InputHeight = model.InputHeight, InputWidth = model.InputWidth, CropScale = crop.Scale, CropSquare = crop.Square };
        var train = FaceTensorLoader.Load(ml, trainRows, preprocessing, learned);
        var val = FaceTensorLoader.Load(ml, valRows, preprocessing, learned);
        if (overrides.ValidateLowResolution is float side)
        {
            var small = KeypointAugmenter.ApplyLowResolution(val.Images, [.. Enumerable.Repeat<float?>(side, (int)val.Images.shape[0])]);
            // The unshrunk set is left to the collector: the new one may share its targets' storage.
            val = new TensorDataset(small, val.Targets, val.Faces);
            log.WriteLine(FormattableString.Invariant($"validation faces shrunk to {side:0.###} of their side and enlarged back (the best epoch is chosen for small faces)"));
        }
        if (overrides.Teacher is string teacherPath)
        {
            if (heatmapObjective is null) throw new ArgumentException($"--teacher: recipe '{recipe.Name}' is not a heatmap recipe; distillation needs heatmaps.");
            train.AttachTeacher(TeacherHeatmaps.Compute(ml, trainRows, preprocessing, learned, ModelsFolder.ResolveModel(teacherPath), train.KeypointCount, log));
        }
        var meanShape = train.MeanTarget();

        if (!resume && overrides.InitFrom is string initFrom)
        {
            // Fine-tuning: the weights of a finished run, checked by the load itself (a different network or size fails
            // to load with the parameter it stops at); nothing else of that run (optimizer, schedule, history) carries over.
            if (initFrom.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                // A shipped model whose run folder is gone: its weights read back by name, then the network checked
                // against the file on validation faces (float16 weights differ by their rounding only).
                int copied = OnnxWeights.LoadInto(model, initFrom);
                using var sample = val.Images.narrow(0, 0, Math.Min(8, val.Count));
                float diff = OnnxExporter.MaxAbsDifference(model, initFrom, sample);
                if (!(diff < 1e-3f)) throw new InvalidDataException($"{initFrom}: read back into {model.GetType().Name}, the network's outputs differ from the file's by up to {diff:G3}; not the network this recipe builds.");
                log.WriteLine(FormattableString.Invariant($"initialised from {initFrom} ({copied} tensors; outputs within {diff:G3} of the file's on {sample.shape[0]} validation faces)"));
            }
            else
            {
                Trainer.LoadBest(model, initFrom);
                log.WriteLine($"initialised from the best weights of {initFrom}");
            }
        }
        else if (!resume)
        {
            if (model is Face58Net face && (overrides.MeanShapeBias ?? true))
            {
                face.InitializeOutputBias(meanShape);
                log.WriteLine("last-layer bias initialised to the mean training shape");
            }
            if (model is ResNet18 resnet && (overrides.MeanShapeBias ?? true))
            {
                resnet.InitializeOutputBias(meanShape);
                log.WriteLine("last layer starts at the mean training shape (bias = mean shape, weights x0.01)");
            }
            if (model is IResNetEncoder encoder && (overrides.Pretrained ?? recipe.Pretrained))
            {
                int skipped = ImageNetResNet18.Load(encoder);
                log.WriteLine($"initialised from ImageNet weights ({ImageNetResNet18.PackageId}; {skipped} block(s) of the file's last stage left out)");
            }
            if (heatmapObjective is not null && model is HeatmapNet heatmapNet)
            {
                heatmapNet.InitializeHeadBias(heatmapObjective.InitialLogit);
                log.WriteLine(FormattableString.Invariant($"heatmap head bias initialised to {heatmapObjective.InitialLogit:G4} (the best constant output for a mean target of {heatmapObjective.MeanTarget:G3})"));
            }
        }

        return new PreparedRun(recipe, overrides, options, ml, model, train, val, new FaceSetup(preprocessing, learned), cropNote, resume);
    }

    /// <summary>A run ready to train: model, tensors, settings.</summary>
    public sealed class PreparedRun(TrainingRecipe recipe, RecipeOverrides overrides, TrainerOptions options, MLContext ml,
        KeypointNet model, TensorDataset train, TensorDataset val, FaceSetup crop, string? cropNote, bool resume) : IDisposable
    {
        private TrainingResult? result;

        public TrainingRecipe Recipe => recipe;
        public TrainerOptions Options => options;
        public KeypointNet Model => model;
        public int TrainCount => train.Count;
        public int ValidationCount => val.Count;
        /// <summary>The validation faces as the trainer measures them (made small with <c>--validate-low-res</c>).</summary>
        public TensorDataset Validation => val;

        public TrainingResult Train(ITrainingProgress? progress) => result = new Trainer(model, train, val, options, progress).Run(resume);

        /// <summary>Best weights -> metrics, pictures, ONNX export and parity check; writes summary.json.</summary>
        public RunSummary Finish() => RecipeRunner.Finish(recipe, overrides, options, ml, model, train, val, crop, cropNote,
            result ?? throw new InvalidOperationException("Train first."));

        public void Dispose()
        {
            model.Dispose();
            train.Dispose();
            val.Dispose();
        }
    }

    private static RunSummary Finish(TrainingRecipe recipe, RecipeOverrides overrides, TrainerOptions options, MLContext ml,
        KeypointNet model, TensorDataset train, TensorDataset val, FaceSetup crop, string? cropNote, TrainingResult result)
    {
        string runFolder = options.RunFolder;
        var objective = options.Objective;
        var heatmap = objective as HeatmapObjective;
        // Heatmap models are measured twice, as the report measures them: argmax (what model selection decodes with) and the
        // log-parabola refinement (the library's default).
        var refined = heatmap is null ? null : heatmap with { Refinement = HeatmapRefinement.LogParabola };
        var meanShape = train.MeanTarget();
        Trainer.LoadBest(model, runFolder);

        var valName = recipe.ValidationData == TrainingRecipe.HoldOut ? $"{recipe.TrainData} (held out)" : recipe.ValidationData;
        var valMetrics = Measure(model, val, meanShape, valName, options.BatchSize, objective);
        var valRefined = refined is null ? null : Measure(model, val, meanShape, valName, options.BatchSize, refined);
        SplitMetrics? testMetrics = null, testRefined = null;
        if (recipe.TestData is string testSpec)
        {
            var testRows = KeypointDatasets.Load(ml, testSpec).Rows.ToList();
            if (overrides.Limit is int l2) testRows = testRows.Take(Math.Max(1, l2 / 4)).ToList();
            using var test = FaceTensorLoader.Load(ml, testRows, crop.Preprocessing, crop.Learned);
            testMetrics = Measure(model, test, meanShape, testSpec, options.BatchSize, objective);
            if (refined is not null) testRefined = Measure(model, test, meanShape, testSpec, options.BatchSize, refined);
        }

        // Pictures (the run folder is not committed).
        TrainingPlots.LossCurves(result.History, Path.Combine(runFolder, "losses.png"),
            heatmap is null ? $"{recipe.Name}: MSE per epoch (normalized coordinates)" : $"{recipe.Name}: {objective.LossName}; validation keypoint MSE (argmax)",
            objective.LossName);
        DrawBestAndWorst(model, val, runFolder, options.BatchSize, objective);
        if (heatmap is not null) DrawHeatmaps(model, val, heatmap, Path.Combine(runFolder, "heatmaps.png"));
        if (model is IResNetEncoder encoder)
        {
            using var w = encoder.Conv1.weight!.detach().cpu().contiguous();
            TrainingPlots.FilterGrid(w.data<float>().ToArray(), 64, 7, Path.Combine(runFolder, "filters.png"));
        }

        // Export and verify.
        bool heatmaps = model.OutputKind == KeypointOutputKind.Heatmaps;
        var metadata = new KeypointModelMetadata
        {
            Name = recipe.Name,
            InputHeight = model.InputHeight,
            InputWidth = model.InputWidth,
            KeypointCount = model.KeypointCount,
            OutputKind = model.OutputKind,
            HeatmapHeight = heatmaps ? (int)model.OutputShape[1] : 0,
            HeatmapWidth = heatmaps ? (int)model.OutputShape[2] : 0,
            CropScale = crop.Preprocessing.CropScale,
            CropSquare = crop.Preprocessing.CropSquare,
            TrainingData = $"{recipe.TrainData}: {train.Count} faces" + (crop.Learned is { } idx ? $", point(s) {string.Join(" ", idx)}" : ""),
        };
        // The codec records what the graph ends in and what the heatmaps were trained towards.
        KeypointCodec codec = heatmap is null ? new CoordinateCodec(model.KeypointCount) : heatmap.Codec(model.KeypointCount);
        metadata = codec.DescribeIn(metadata);
        var onnxPath = Path.Combine(runFolder, recipe.Name + ".onnx");
        OnnxExporter.Export(model, metadata, onnxPath);
        int parityCount = Math.Min(16, val.Count);
        float diff;
        using (var sample = val.Images.narrow(0, 0, parityCount))
            diff = OnnxExporter.MaxAbsDifference(model, onnxPath, sample);

        var summary = new RunSummary(recipe.Name, runFolder, result.History.Count, result.BestEpoch, result.BestValidationLoss,
            valMetrics, testMetrics, onnxPath, diff, parityCount, result.History.Count > 0 ? result.History.Average(h => h.Seconds) : 0, cropNote,
            heatmap?.Describe(), valRefined, testRefined);
        AtomicFile.WriteAllText(Path.Combine(runFolder, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    /// <summary>
    /// The recipe's training and validation faces. A held-out split always uses <see cref="TrainingRecipe.HoldOutSeed"/>,
    /// whatever <c>--seed</c> says: the seed varies the initialisation and the augmentation of a run, and if it moved the
    /// split too a second seed would train on most of the faces every model is selected on (an earlier seed-2 run held
    /// out 2.50% on ibug-val that way, nearly all of it from faces it had trained on).
    /// </summary>
    public static (List<KeypointSample> Train, List<KeypointSample> Validation) TrainAndValidationRows(MLContext ml, TrainingRecipe recipe)
    {
        var rows = KeypointDatasets.Load(ml, recipe.TrainData).Rows.ToList();
        return recipe.ValidationData == TrainingRecipe.HoldOut
            ? HoldOutByImage(rows, recipe.HoldOutFraction, TrainingRecipe.HoldOutSeed)
            : (rows, KeypointDatasets.Load(ml, recipe.ValidationData).Rows.ToList());
    }

    /// <summary>Splits faces into train and validation by image (<see cref="KeypointDatasets.HoldOutByImage"/>).</summary>
    public static (List<KeypointSample> Train, List<KeypointSample> Validation) HoldOutByImage(List<KeypointSample> rows, double fraction, long seed) =>
        KeypointDatasets.HoldOutByImage(rows, fraction, seed);

    /// <summary>MSE and mean pixel error of <paramref name="model"/> on <paramref name="data"/> (keypoints decoded by
    /// <paramref name="objective"/>; coordinate MSE when null), and of the mean-shape baseline. The pixel and NME figures
    /// come from the library's error core (<see cref="KeypointMetricsAccumulator"/>), as <c>evaluate</c> and the report compute them.</summary>
    public static SplitMetrics Measure(KeypointNet model, TensorDataset data, float[] meanShape, string name, int batchSize, ITrainingObjective? objective = null)
    {
        using var scope = NewDisposeScope();
        var pred = Trainer.PredictKeypoints(model, data.Images, batchSize, objective ?? CoordinateMse.Instance);
        var baseline = tensor(meanShape).unsqueeze(0).expand(data.Count, -1);
        double mse = nn.functional.mse_loss(pred, data.Targets.cpu()).item<float>();
        double baseMse = nn.functional.mse_loss(baseline, data.Targets.cpu()).item<float>();
        var p = pred.contiguous().data<float>().ToArray();
        var metrics = PixelMetrics(p, data);
        var baselineMetrics = PixelMetrics(Enumerable.Range(0, data.Count).SelectMany(_ => meanShape).ToArray(), data);
        return new SplitMetrics(name, data.Count, mse, metrics.MeanPixelError, baseMse, baselineMetrics.MeanPixelError, metrics.NmeInterOcular);
    }

    /// <summary>The error core's metrics of normalized predictions mapped back through each face's crop.</summary>
    public static KeypointMetrics PixelMetrics(float[] normalizedPredictions, TensorDataset data)
    {
        int d = 2 * data.KeypointCount;
        var accumulator = new KeypointMetricsAccumulator(hasBox: false, hasSize: false);
        for (int i = 0; i < data.Count; i++)
        {
            var face = data.Faces[i];
            accumulator.Add(face.Keypoints, face.Crop.KeypointsFromNormalized(normalizedPredictions.AsSpan(i * d, d)));
        }
        return accumulator.Metrics();
    }

    /// <summary>Per face: mean Euclidean distance (original-image pixels) between predicted and true points.</summary>
    public static double[] PixelErrors(float[] normalizedPredictions, TensorDataset data)
    {
        int d = 2 * data.KeypointCount;
        return Enumerable.Range(0, data.Count).Select(i => KeypointErrors.MeanPointError(data.Faces[i].Keypoints,
            data.Faces[i].Crop.KeypointsFromNormalized(normalizedPredictions.AsSpan(i * d, d)))).ToArray();
    }

    private static void DrawBestAndWorst(KeypointNet model, TensorDataset val, string runFolder, int batchSize, ITrainingObjective objective)
    {
        using var scope = NewDisposeScope();
        var pred = Trainer.PredictKeypoints(model, val.Images, batchSize, objective).contiguous().data<float>().ToArray();
        var truth = val.Targets.contiguous().data<float>().ToArray();
        var errors = PixelErrors(pred, val);
        var ranked = Enumerable.Range(0, val.Count).OrderBy(i => errors[i]).ToArray();
        int d = 2 * val.KeypointCount, hw = val.Height * val.Width;
        var images = val.Images.contiguous().data<float>().ToArray();
        TrainingPlots.Panel Panel(int i) => new(images.AsSpan(i * hw, hw).ToArray(), val.Height, val.Width,
            truth.AsSpan(i * d, d).ToArray(), pred.AsSpan(i * d, d).ToArray(),
            string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(val.Faces[i].ImagePath)}: {errors[i]:F1} px"));
        int n = Math.Min(4, val.Count);
        TrainingPlots.Predictions(ranked.Take(n).Select(Panel).ToList(), Path.Combine(runFolder, "val_best.png"));
        TrainingPlots.Predictions(ranked.Reverse().Take(n).Select(Panel).ToList(), Path.Combine(runFolder, "val_worst.png"));
    }

    /// <summary>For the first few validation faces: the face, the target maps and the predicted maps (what the exported
    /// model outputs, so probabilities for logistic models), each the maximum over the keypoints' maps.</summary>
    private static void DrawHeatmaps(KeypointNet model, TensorDataset val, HeatmapObjective objective, string path)
    {
        using var scope = NewDisposeScope();
        int n = Math.Min(4, val.Count);
        var images = val.Images.narrow(0, 0, n);
        Tensor predicted;
        using (EvalMode.Of(model)) predicted = model.Infer(images);
        var target = objective.Targets(val.Targets.narrow(0, 0, n));
        float[] Max(Tensor maps) => maps.amax([1]).to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var pixels = images.contiguous().data<float>().ToArray();
        var t = Max(target);
        var p = Max(predicted);
        int hw = val.Height * val.Width, cells = objective.Height * objective.Width;
        var rows = Enumerable.Range(0, n).Select(i => new TrainingPlots.HeatmapRow(
            pixels.AsSpan(i * hw, hw).ToArray(), val.Height, val.Width,
            t.AsSpan(i * cells, cells).ToArray(), p.AsSpan(i * cells, cells).ToArray(), objective.Height, objective.Width,
            Path.GetFileName(val.Faces.Count > i ? val.Faces[i].ImagePath : $"face {i}"))).ToList();
        TrainingPlots.Heatmaps(rows, path, objective.Describe());
    }
}
