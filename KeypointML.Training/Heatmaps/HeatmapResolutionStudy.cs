using System.Diagnostics;
using System.Globalization;
using System.Text;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Preprocessing;
using KeypointML.Codecs;
using KeypointML.Training.Models;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Training.Heatmaps;

/// <summary>
/// Measures what a heatmap resolution costs in accuracy and time, cheaply: the ground-truth keypoints rendered as Gaussian
/// heatmaps and decoded by the library's <see cref="HeatmapDecoder"/> (argmax and each sub-cell refinement) give the
/// error a perfect network would still make at that resolution (quantization); a few timed training steps give the cost.
/// </summary>
public static class HeatmapResolutionStudy
{
    /// <summary>The decodings the study compares: plain argmax and each sub-cell refinement.</summary>
    public static readonly IReadOnlyList<HeatmapRefinement> Decodings = [HeatmapRefinement.None, HeatmapRefinement.QuarterOffset, HeatmapRefinement.LogParabola];

    /// <summary>Mean over faces of the mean point error / inter-ocular distance (points 36, 45), and in image pixels.</summary>
    public sealed record DecodingError(double Nme, double MeanPixelError);

    /// <summary>Decoding error of perfect Gaussian heatmaps at one resolution, over a set of faces.</summary>
    /// <param name="Errors">Per decoding of <see cref="Decodings"/>.</param>
    /// <param name="MaxPointErrorCells">The largest point error inside the crop, in heatmap cells (argmax; 0.71 = half a cell diagonally).</param>
    public sealed record Quantization(int Size, int Faces, IReadOnlyDictionary<HeatmapRefinement, DecodingError> Errors, double MaxPointErrorCells);

    /// <summary>
    /// Renders every face's keypoints (normalized in the crop the recipes use: the box scaled by <paramref name="cropScale"/>,
    /// squared) as <paramref name="size"/> x <paramref name="size"/> Gaussian maps (sigma <paramref name="sigmaPixels"/> pixels of
    /// a 224 input), decodes them each way of <see cref="Decodings"/>, maps back to image pixels and measures NME by
    /// inter-ocular distance.
    /// </summary>
    public static Quantization Measure(IReadOnlyList<KeypointSample> faces, float cropScale, int size, float sigmaPixels = 6f)
    {
        if (faces.Count == 0 || faces[0].KeypointCount != KeypointErrors.Ibug68PointCount) throw new ArgumentException("The quantization study needs 68-point faces (NME by inter-ocular distance).");
        float sigma = sigmaPixels * size / ResNet18.DefaultSize;
        // The crop rule the recipes and DetectKeypoints use, and the codec that renders and decodes the maps.
        var preprocessing = new FacePreprocessing { InputHeight = size, InputWidth = size, CropScale = cropScale, CropSquare = true };
        var codec = new HeatmapCodec(KeypointErrors.Ibug68PointCount, size, size, HeatmapTarget.Gaussian(sigma));
        var accumulators = Decodings.Select(_ => new KeypointMetricsAccumulator(hasBox: false, hasSize: false)).ToArray();
        var maps = new float[codec.OutputLength];
        var decoded = new float[2 * codec.KeypointCount];
        var confidence = new float[codec.KeypointCount];
        double maxCells = 0;
        foreach (var face in faces)
        {
            var crop = preprocessing.CropOf(face.Box);
            var normalized = crop.KeypointsToNormalized(face.Keypoints);
            codec.Encode(normalized, maps);
            for (int d = 0; d < Decodings.Count; d++)
            {
                codec.WithRefinement(Decodings[d]).Decode(maps, decoded, confidence);
                accumulators[d].Add(face.Keypoints, crop.KeypointsFromNormalized(decoded));
                if (Decodings[d] != HeatmapRefinement.None) continue;
                for (int k = 0; k < codec.KeypointCount; k++)
                {
                    float nx = normalized[2 * k], ny = normalized[2 * k + 1];
                    if (nx is >= 0 and < 1 && ny is >= 0 and < 1)
                        maxCells = Math.Max(maxCells, Math.Sqrt(Math.Pow((decoded[2 * k] - nx) * size, 2) + Math.Pow((decoded[2 * k + 1] - ny) * size, 2)));
                }
            }
        }
        var errors = Decodings.Select((r, d) => (r, accumulators[d].Metrics())).ToDictionary(e => e.r, e => new DecodingError(e.Item2.NmeInterOcular!.Value, e.Item2.MeanPixelError));
        return new Quantization(size, faces.Count, errors, maxCells);
    }

    /// <summary>Seconds per training step (forward, backward, Adam) of a network on random 224 inputs: the median of
    /// <paramref name="steps"/> timed steps after one warm-up step.</summary>
    public static double SecondsPerStep(KeypointNet net, ITrainingObjective objective, int batch, int steps)
    {
        var adam = optim.Adam(net.parameters(), lr: 1e-3);
        net.train();
        var times = new List<double>();
        for (int s = 0; s <= steps; s++)
        {
            using var scope = NewDisposeScope();
            var x = randn(batch, 1, net.InputHeight, net.InputWidth) * 0.25;
            var y = rand(batch, 2 * net.KeypointCount) * 0.8 + 0.1;
            var sw = Stopwatch.StartNew();
            adam.zero_grad();
            var loss = objective.Loss(net.call(x), y);
            loss.backward();
            adam.step();
            if (s > 0) times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>The report printed by <c>keypointml heatmap-resolution</c>.</summary>
    public static string Report(IReadOnlyList<Quantization> rows, float cropScale, IReadOnlyList<(string Model, double SecondsPerStep)> timings, int batch, int trainFaces)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(ic, $"Quantization: ground-truth keypoints of {rows.FirstOrDefault()?.Faces ?? 0} faces rendered as Gaussian heatmaps (sigma 6 px of the 224 input), crop scale {cropScale:F2}, decoded by HeatmapDecoder"));
        sb.AppendLine("heatmap   NME argmax   NME quarter-offset   NME log-parabola   px argmax   px quarter-offset   px log-parabola   max error inside crop (cells)");
        foreach (var r in rows)
        {
            DecodingError a = r.Errors[HeatmapRefinement.None], q = r.Errors[HeatmapRefinement.QuarterOffset], l = r.Errors[HeatmapRefinement.LogParabola];
            sb.AppendLine(string.Create(ic, $"{r.Size,3}x{r.Size,-3}  {100 * a.Nme,9:F3}%  {100 * q.Nme,18:F3}%  {100 * l.Nme,16:F3}%  {a.MeanPixelError,10:F3}  {q.MeanPixelError,18:F3}  {l.MeanPixelError,16:F3}  {r.MaxPointErrorCells,8:F3}"));
        }
        if (timings.Count > 0)
        {
            sb.AppendLine(string.Create(ic, $"Training cost at 224x224, batch {batch}, {TorchSharp.torch.get_num_threads()} thread(s) (forward + backward + Adam, median step; per epoch = {trainFaces} faces):"));
            foreach (var (model, sec) in timings)
                sb.AppendLine(string.Create(ic, $"  {model,-34} {sec,7:F2} s/step  {sec / batch * 1000,7:F0} ms/face  ~{sec / batch * trainFaces / 60,6:F1} min/epoch"));
        }
        return sb.ToString();
    }
}
