using KeypointML.Codecs;
using System.CommandLine;
using KeypointML.Data;
using KeypointML.Cli;
using KeypointML.Training.Heatmaps;
using KeypointML.Training.Models;
using KeypointML.Training.Training;
using Microsoft.ML;

namespace KeypointML.Training.Cli;

/// <summary>
/// <c>keypointml heatmap-resolution [--time] [--batch 8] [--steps 2] [--threads N]</c>: the quantization error of
/// perfect Gaussian heatmaps on the iBUG training faces at 28, 56 and 112 cells (NME by inter-ocular distance,
/// argmax and quarter-offset), and with <c>--time</c> the cost of a training step of each heatmap network and of the
/// regression ResNet18, to choose the heatmap resolution.
/// </summary>
public sealed class HeatmapResolutionCommand : ICliCommand
{
    public static Command Create()
    {
        var time = new Option<bool>("--time") { Description = "Also time training steps of the 56x56 and 112x112 networks and the regression ResNet18 (minutes on a CPU)." };
        var batch = new Option<int>("--batch") { Description = "Batch size of the timed steps.", DefaultValueFactory = _ => 8 };
        var steps = new Option<int>("--steps") { Description = "Timed steps per network (after one warm-up step).", DefaultValueFactory = _ => 2 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (all cores)." };
        var cmd = new Command("heatmap-resolution", "Quantization error and training cost of heatmap resolutions on iBUG 300-W (to choose 56x56 or 112x112).")
        {
            time, batch, steps, threads,
        };
        cmd.SetAction(parse => CliApp.Guard(() =>
        {
            if (parse.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be at least 1; got {t}.");
                TorchSharp.torch.set_num_threads(t);
            }
            int b = parse.GetValue(batch), n = parse.GetValue(steps);
            if (b < 1 || n < 1) throw new ArgumentException("--batch and --steps must be at least 1.");
            var ml = new MLContext(seed: 0);
            // The crop the recipes use: measured on the training part of the hold-out split.
            var train = KeypointDatasets.Load(ml, KeypointDatasets.IbugFit).Rows.ToList();
            float scale = CropMargin.Measure(train).Chosen;
            var table = new[] { 28, 56, 112 }.Select(s => HeatmapResolutionStudy.Measure(train, scale, s)).ToList();
            var timings = new List<(string, double)>();
            if (parse.GetValue(time))
            {
                foreach (int stride in new[] { 4, 2 })
                {
                    TorchSharp.torch.random.manual_seed(1);
                    using var net = new HeatmapResNet18(heatmapStride: stride);
                    int size = ResNet18.DefaultSize / stride;
                    var objective = new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, size, size, 6f / stride);
                    timings.Add(($"HeatmapResNet18 {size}x{size}", HeatmapResolutionStudy.SecondsPerStep(net, objective, b, n)));
                }
                TorchSharp.torch.random.manual_seed(1);
                using var regression = new ResNet18();
                timings.Add(("ResNet18 regression (reference)", HeatmapResolutionStudy.SecondsPerStep(regression, CoordinateMse.Instance, b, n)));
            }
            CliApp.Out.Write(HeatmapResolutionStudy.Report(table, scale, timings, b, train.Count));
            return 0;
        }));
        return cmd;
    }
}
