using KeypointML.Tooling.Report;
using System.CommandLine;
using System.Globalization;
using KeypointML.Cli;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Training;
using Spectre.Console;

namespace KeypointML.Training.Cli;

/// <summary><c>keypointml train &lt;recipe&gt; [options]</c>.</summary>
public sealed class TrainCommand : ICliCommand
{
    public static Command Create()
    {
        var recipe = new Argument<string>("recipe") { Description = $"What to train: {string.Join(", ", TrainingRecipe.Names)}." };
        recipe.AcceptOnlyFromAmong([.. TrainingRecipe.Names]);
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (imm-nose 25, imm-face58 40, ibug-resnet18 20, ibug-heatmap-* 20). With --resume: the new total." };
        var lr = new Option<double?>("--lr") { Description = "Adam learning rate (1e-3)." };
        var wd = new Option<double?>("--weight-decay") { Description = "Adam weight decay (0; ibug-* 1e-5)." };
        var batch = new Option<int?>("--batch") { Description = "Batch size (imm-nose 4, imm-face58 16, ibug-resnet18 64, ibug-heatmap-* 16)." };
        var seed = new Option<long?>("--seed") { Description = "Seed of initialisation, shuffle, augmentation and dropout (1); the held-out validation split stays the same for every seed." };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (runs/<recipe>)." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (all cores)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the run folder from its last checkpoint." };
        var meanBias = new Option<bool?>("--mean-bias") { Description = "imm-face58 and ibug-resnet18: start the last layer at the mean training shape (true)." };
        var pretrained = new Option<bool?>("--pretrained") { Description = "ibug-*: start the ResNet18 encoder from ImageNet weights (true; --pretrained false starts from random weights)." };
        var cropScale = new Option<float?>("--crop-scale") { Description = "ibug-*: box scale (measured on the training set)." };
        var inputSize = new Option<int?>("--input-size") { Description = "ibug-*: input size in pixels, a multiple of 16 (32 for the ResNet18 recipes); default: the recipe's (224, ibug-fast 128)." };
        var heatmapStride = new Option<int?>("--heatmap-stride") { Description = "ibug-heatmap-*: input pixels per heatmap cell, 4 (56x56 maps) or 2 (112x112) (4)." };
        var sigma = new Option<float?>("--sigma") { Description = "ibug-heatmap-gaussian: Gaussian sigma in heatmap cells (1.5 at stride 4, 3 at stride 2: 6 input pixels)." };
        var loss = new Option<string?>("--loss") { Description = "ibug-heatmap-gaussian: per-cell loss, mse, logistic or awing (adaptive wing with its weighted loss map) (mse; zero-one is always logistic)." };
        loss.AcceptOnlyFromAmong("mse", "logistic", "awing");
        var posWeight = new Option<float?>("--pos-weight") { Description = "ibug-heatmap-* with the logistic loss: weight of the target-1 cells (1)." };
        var schedule = new Option<string?>("--lr-schedule") { Description = "Learning-rate schedule: constant or cosine (annealing to 0 over the epochs); default: the recipe's." };
        schedule.AcceptOnlyFromAmong("constant", "cosine");
        var warmup = new Option<int?>("--warmup-epochs") { Description = "Epochs of linear learning-rate warm-up before the schedule (recipe's; 0 = none)." };
        var maxScale = new Option<float?>("--max-scale") { Description = "Scale augmentation: the face is scaled by a factor drawn from [1-s, 1+s] (the recipe's; 0 = off)." };
        var occlusion = new Option<float?>("--occlusion") { Description = "Occlusion augmentation: the probability that a training face gets one grey rectangle of 10-40% of the side painted over it (0 = off)." };
        var lowRes = new Option<float?>("--low-res") { Description = "Low-resolution augmentation: the probability that a training face is shrunk to 17-60% of its side and enlarged back, as a small face in a photo is (0 = off)." };
        var validateLowRes = new Option<float?>("--validate-low-res") { Description = "A small-face model: validate (and choose the best epoch) on the validation faces shrunk to this fraction of their side and enlarged back, as --low-res does (e.g. 0.3: eyes about 24 px apart at 176 px); default: as they are." };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training faces and N/4 validation and test faces (smoke tests)." };
        var teacher = new Option<string?>("--teacher") { Description = "Distillation (heatmap recipes): a heatmap model (path or shipped name, e.g. ibug68-heatmap) whose maps of the training faces, moved with the augmentation, are blended into the targets." };
        var teacherWeight = new Option<float?>("--teacher-weight") { Description = "The teacher's share of each target cell, in [0, 1] (default 0.5)." };
        var ambiguity = new Option<float?>("--ambiguity-weight") { Description = "ibug-heatmap-zeroone, ibug-fast: add this multiple of the STAR-style ambiguity loss (each map's error measured in the metric of its own spread; 0 = off)." };
        var initFrom = new Option<string?>("--init-from") { Description = "Fine-tune: start from the best weights of this run folder, or from a model file it shipped (.onnx, float32 or float16), of the same recipe and sizes, instead of ImageNet; optimizer and schedule start afresh." };

        var cmd = new Command("train", "Train a model (recipes of the seed write-up), export it to ONNX and check the export.")
        {
            recipe, epochs, lr, wd, batch, seed, output, threads, resume, meanBias, pretrained, cropScale, inputSize, heatmapStride, sigma, loss, posWeight, schedule, warmup, maxScale, occlusion, lowRes, validateLowRes, limit, teacher, teacherWeight, ambiguity, initFrom,
        };
        cmd.SetAction(parse => CliApp.Guard(() =>
        {
            var name = parse.GetValue(recipe)!;
            if (parse.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be at least 1; got {t}.");
                TorchSharp.torch.set_num_threads(t);
            }
            if (parse.GetValue(limit) is < 1) throw new ArgumentException("--limit must be at least 1.");
            // 16 is what every network here needs (FastHeatmapNet halves 4 times); the ResNet18 models need 32 and say so.
            if (parse.GetValue(inputSize) is int s && (s < 32 || s % 16 != 0)) throw new ArgumentException($"--input-size must be a multiple of 16 from 32 up; got {s}.");
            if (parse.GetValue(maxScale) is float ms && !(ms >= 0 && ms < 1)) throw new ArgumentException($"--max-scale must be in [0, 1); got {ms}.");
            if (parse.GetValue(occlusion) is float oc && !(oc >= 0 && oc <= 1)) throw new ArgumentException($"--occlusion must be in [0, 1]; got {oc}.");
            if (parse.GetValue(lowRes) is float lr0 && !(lr0 >= 0 && lr0 <= 1)) throw new ArgumentException($"--low-res must be in [0, 1]; got {lr0}.");
            if (parse.GetValue(validateLowRes) is float vl && !(vl > 0 && vl < 1)) throw new ArgumentException($"--validate-low-res must be in (0, 1); got {vl}.");
            if (parse.GetValue(cropScale) is float c && !(c > 0)) throw new ArgumentException($"--crop-scale must be positive; got {c}.");
            var overrides = new RecipeOverrides
            {
                Epochs = parse.GetValue(epochs), LearningRate = parse.GetValue(lr), WeightDecay = parse.GetValue(wd),
                BatchSize = parse.GetValue(batch), Seed = parse.GetValue(seed), MeanShapeBias = parse.GetValue(meanBias),
                Pretrained = parse.GetValue(pretrained), CropScale = parse.GetValue(cropScale), InputSize = parse.GetValue(inputSize),
                Limit = parse.GetValue(limit), HeatmapStride = parse.GetValue(heatmapStride), Sigma = parse.GetValue(sigma),
                HeatmapLoss = parse.GetValue(loss) switch { "mse" => HeatmapLossKind.Mse, "logistic" => HeatmapLossKind.Logistic, "awing" => HeatmapLossKind.AdaptiveWing, _ => null },
                PositiveWeight = parse.GetValue(posWeight),
                Schedule = parse.GetValue(schedule) is string sc ? LearningRateSchedules.Parse(sc) : null,
                WarmupEpochs = parse.GetValue(warmup),
                MaxScale = parse.GetValue(maxScale),
                Occlusion = parse.GetValue(occlusion),
                LowResolution = parse.GetValue(lowRes), ValidateLowResolution = parse.GetValue(validateLowRes),
                Teacher = parse.GetValue(teacher), TeacherWeight = parse.GetValue(teacherWeight),
                AmbiguityWeight = parse.GetValue(ambiguity),
                InitFrom = parse.GetValue(initFrom) is string from ? Path.GetFullPath(from) : null,
            };
            if (overrides.TeacherWeight is not null && overrides.Teacher is null) throw new ArgumentException("--teacher-weight needs --teacher.");
            if (overrides.HeatmapLoss is not null && name != "ibug-heatmap-gaussian")
                throw new ArgumentException($"--loss applies to ibug-heatmap-gaussian only (zero-one targets are always trained with the logistic loss).");
            var folder = parse.GetValue(output) ?? Path.Combine("runs", name);
            return Train(name, overrides, folder, parse.GetValue(resume));
        }));
        return cmd;
    }

    private static int Train(string name, RecipeOverrides overrides, string folder, bool resume)
    {
        var log = Console.Out;
        log.WriteLine($"{name}: {TrainingRecipe.Get(name).Description}; run folder {folder}{(resume ? " (resuming)" : "")}");
        using var run = RecipeRunner.Prepare(name, overrides, folder, resume, log);
        var o = run.Options;
        log.WriteLine(FormattableString.Invariant($"{run.TrainCount} training / {run.ValidationCount} validation faces; {o.Epochs} epochs, batch {o.BatchSize}, lr {o.LearningRate:G3} ({o.Schedule.ToString().ToLowerInvariant()}{(o.WarmupEpochs > 0 ? $", {o.WarmupEpochs} warm-up epoch(s)" : "")}), weight decay {o.WeightDecay:G3}, seed {o.Seed}, {TorchSharp.torch.get_num_threads()} threads"));

        TrainingResult result;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx => run.Train(new SpectreProgress(ctx, o.Epochs)));
        }
        else
        {
            result = run.Train(new LineProgress(log));
        }
        foreach (var e in result.History)
            log.WriteLine(FormattableString.Invariant($"epoch {e.Epoch,3}: train {e.TrainLoss:E3}  val {e.ValidationLoss:E3}{(e.ValidationKeypointMse is double k ? $"  val keypoint MSE {k:E3}" : "")}  {e.Seconds,7:F1} s{(e.Epoch == result.BestEpoch ? "  best" : "")}"));

        var summary = run.Finish();
        static string Nme(SplitMetrics m) => m.NmeInterOcular is double n ? FormattableString.Invariant($"; NME inter-ocular {100 * n:F2}%") : "";
        var v = summary.Validation;
        log.WriteLine(FormattableString.Invariant($"best epoch {summary.BestEpoch}: validation MSE {v.Mse:E4} (mean-shape baseline {v.BaselineMse:E4}, ratio {v.BaselineMse / v.Mse:F1}x); mean pixel error {v.MeanPixelError:F2} px (baseline {v.BaselineMeanPixelError:F2} px){Nme(v)} over {v.Faces} faces of {v.Data}"));
        if (summary.RefinedValidation is { } vr)
            log.WriteLine(FormattableString.Invariant($"  with log-parabola refinement: validation MSE {vr.Mse:E4}; mean pixel error {vr.MeanPixelError:F2} px{Nme(vr)}"));
        if (summary.Test is { } t)
            log.WriteLine(FormattableString.Invariant($"test {t.Data}: MSE {t.Mse:E4} (baseline {t.BaselineMse:E4}); mean pixel error {t.MeanPixelError:F2} px (baseline {t.BaselineMeanPixelError:F2} px){Nme(t)} over {t.Faces} faces"));
        if (summary.RefinedTest is { } tr)
            log.WriteLine(FormattableString.Invariant($"  with log-parabola refinement: test MSE {tr.Mse:E4}; mean pixel error {tr.MeanPixelError:F2} px{Nme(tr)}"));
        log.WriteLine(FormattableString.Invariant($"exported {summary.OnnxPath}; ONNX Runtime vs TorchSharp max abs difference {summary.OnnxMaxAbsDifference:E2} on {summary.ParityImages} validation images"));
        log.WriteLine($"pictures and losses.csv in {folder}");
        return summary.OnnxMaxAbsDifference < 1e-4f ? 0 : 4;
    }

    /// <summary>A Spectre.Console progress bar over all batches of the run, with ETA.</summary>
    private sealed class SpectreProgress(ProgressContext ctx, int epochs) : ITrainingProgress
    {
        private ProgressTask? task;
        private int batchesPerEpoch, firstEpoch;
        private string last = "";
        private int skipped;

        public void EpochStarted(int epoch, int totalEpochs, int batches)
        {
            if (task is null)
            {
                batchesPerEpoch = batches;
                firstEpoch = epoch;
                task = ctx.AddTask("training", maxValue: (double)batches * (epochs - epoch + 1));
            }
            task.Description = $"epoch {epoch}/{totalEpochs}{last}";
        }

        public void BatchDone(int epoch, int batch, double loss) =>
            task?.Value((epoch - firstEpoch) * (double)batchesPerEpoch + batch);

        public void StepSkipped(int epoch, int batch) => skipped++;

        public void EpochDone(EpochRecord r, bool isBest) =>
            last = (skipped > 0 ? $" ({skipped} steps skipped: not finite)" : "") + string.Create(CultureInfo.InvariantCulture, $" (last: train {r.TrainLoss:E2}, val {r.ValidationLoss:E2})");
    }

    /// <summary>Plain lines when the console is not interactive (logs, CI).</summary>
    private sealed class LineProgress(TextWriter log) : ITrainingProgress
    {
        public void EpochStarted(int epoch, int totalEpochs, int batches) { }
        public void BatchDone(int epoch, int batch, double loss) { }
        public void StepSkipped(int epoch, int batch) => log.WriteLine($"epoch {epoch}, batch {batch}: loss or gradient not finite; step skipped");
        public void EpochDone(EpochRecord r, bool isBest) =>
            log.WriteLine(FormattableString.Invariant($"epoch {r.Epoch}: train {r.TrainLoss:E3} val {r.ValidationLoss:E3}{(r.ValidationKeypointMse is double k ? $" val keypoint MSE {k:E3}" : "")} ({r.Seconds:F1} s){(isBest ? " best" : "")}"));
    }
}
