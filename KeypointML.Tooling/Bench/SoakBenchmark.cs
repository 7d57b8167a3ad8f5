using System.Diagnostics;
using System.Globalization;
using KeypointML.Data;
using KeypointML.Prediction;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tooling.Bench;

/// <summary>What a soak run measured: calls, callers, throughput and the process's resident memory along the way.</summary>
public sealed record SoakResult(string Model, int Calls, int Callers, double Seconds, long RssAfterWarmUp, long RssAfterHalf, long RssAtEnd, int Failed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Model}: {Calls} scorings from {Callers} threads through one KeypointPredictor in {Seconds:F1} s ({Calls / Seconds:F0} faces/s), {Failed} failed; " +
        $"RSS after warm-up {RssAfterWarmUp / 1048576.0:F0} MiB, after half {RssAfterHalf / 1048576.0:F0} MiB, at the end {RssAtEnd / 1048576.0:F0} MiB");
}

/// <summary>
/// Many threads scoring through one <see cref="KeypointPredictor"/> for a long time: whether memory stays flat (resident
/// set size after a warm-up, halfway and at the end, each after a full garbage collection) and how fast it goes.
/// </summary>
public static class SoakBenchmark
{
    public static SoakResult Run(string modelPath, IReadOnlyList<KeypointSample> faces, int calls, int callers)
    {
        if (faces.Count == 0) throw new ArgumentException("no faces to score.");
        if (calls < 2 || callers < 1) throw new ArgumentException($"a soak needs at least 2 calls and 1 caller; got {calls}, {callers}.");
        using var predictor = new KeypointPredictor(new MLContext(seed: 0), new KeypointDetectionOptions { ModelPath = modelPath, IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        bool whole = predictor.Model.Metadata.CropScale == 1 && !predictor.Model.Metadata.CropSquare;
        int failed = 0;
        void Score(int from, int to) => Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = callers }, i =>
        {
            var face = faces[i % faces.Count];
            if (!predictor.Predict(face.ImagePath, whole ? null : face.Box).Succeeded) Interlocked.Increment(ref failed);
        });
        static long Rss()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return Environment.WorkingSet;
        }
        int warmUp = Math.Min(calls / 10, 2 * callers * faces.Count);
        Score(0, Math.Max(1, warmUp));
        long afterWarmUp = Rss();
        var clock = Stopwatch.StartNew();
        Score(0, calls / 2);
        long half = Rss();
        Score(calls / 2, calls);
        double seconds = clock.Elapsed.TotalSeconds;
        return new SoakResult(Path.GetFileName(modelPath), calls, callers, seconds, afterWarmUp, half, Rss(), failed);
    }
}
