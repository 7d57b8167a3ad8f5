using System.Diagnostics;
using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Tooling.Inference;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tooling.Report;

/// <summary>A landmark model driven by a face detector on a labelled set, nothing but the images given.</summary>
/// <param name="Matched">Labelled faces matched by a found face (IoU of the points' boxes >= 0.5, as score.py --e2e).</param>
/// <param name="Metrics">Over the matched faces; <see cref="FailureRate"/> and <see cref="Auc"/> count the misses as failures.</param>
/// <param name="FaceNmes">Every labelled face's NME, infinity for a missed face (for the cumulative error curve).</param>
public sealed record EndToEndResult(string Detector, string Model, string Data, int Labelled, int Matched, int FacesFound,
    KeypointMetrics? Metrics, double? FailureRate, double? Auc, double MsPerImage, string? Problem = null, IReadOnlyList<double>? FaceNmes = null);

/// <summary>Photo -> detector -> mapped box -> landmark model, scored as <c>../shared/peers/score.py --e2e</c> scores.</summary>
public static class EndToEndMeasurement
{
    /// <summary>IoU of the predicted and labelled points' boxes needed to match a face (score.py's rule).</summary>
    public const float MatchIou = 0.5f;

    public static EndToEndResult Measure(string detectorPath, string modelPath, string dataSpec, int? limit = null,
        HeatmapRefinement? refinement = null, FaceDetectionOptions? detection = null, float? minRollDegrees = null, int passes = 1)
    {
        string detectorName = Path.GetFileNameWithoutExtension(detectorPath), modelName = Path.GetFileNameWithoutExtension(modelPath);
        try
        {
            var ml = new MLContext(seed: 0);
            var rows = KeypointDatasets.Load(ml, dataSpec).Rows.ToList();
            if (limit is int n) rows = rows.Take(n).ToList();
            using var detector = FaceDetectors.Open(detectorPath);
            using var landmarks = KeypointModel.Open(modelPath);
            var paths = rows.Select(r => r.ImagePath).Distinct().ToList();
            var sw = Stopwatch.StartNew();
            var found = new FaceLandmarker(detector, landmarks)
            {
                Refinement = refinement, Detection = detection ?? new FaceDetectionOptions(), Passes = passes,
                MinRollDegrees = minRollDegrees ?? Engine.FaceEngineDefaults.MinRollDegrees,
            }.Find(paths);
            double ms = sw.Elapsed.TotalMilliseconds / Math.Max(1, paths.Count);
            var byImage = found.GroupBy(f => f.ImagePath).ToDictionary(g => g.Key, g => g.ToList());
            var accumulator = new KeypointMetricsAccumulator(hasBox: true, hasSize: false);
            var nmes = new List<double>();
            foreach (var r in rows)
            {
                var truth = KeypointBoxes.Of(r.Keypoints);
                var (best, iou) = KeypointBoxes.BestMatch(byImage.GetValueOrDefault(r.ImagePath), f => KeypointBoxes.Of(f.Keypoints), truth);
                if (best is null || iou < MatchIou) { nmes.Add(double.PositiveInfinity); continue; }
                accumulator.Add(r.Keypoints, best.Keypoints, r.Box);
                nmes.Add(accumulator.FaceNmes[^1]);
            }
            var metrics = accumulator.Count > 0 ? accumulator.Metrics() : null;
            return new EndToEndResult(detectorName, modelName, dataSpec, rows.Count, accumulator.Count, found.Count, metrics,
                KeypointErrors.FailureRate(nmes, KeypointDefaults.FailureThreshold), KeypointErrors.Auc(nmes, KeypointDefaults.FailureThreshold), ms, FaceNmes: nmes);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or KeypointDataException)
        {
            return new EndToEndResult(detectorName, modelName, dataSpec, 0, 0, 0, null, null, null, 0, e.Message);
        }
    }
}
