using System.Diagnostics;
using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KeypointML.Tooling.Bench;

/// <summary>Throughput (images per second) of one way of scoring.</summary>
public sealed record ScoringThroughput(string Name, int Images, double Seconds)
{
    public double ImagesPerSecond => Images / Seconds;
}

/// <summary>Scoring throughput through the ML.NET pipeline against ONNX Runtime called directly, batch and single image.</summary>
public sealed record ScoringBenchmarkResult(
    string Model, int InputHeight, int InputWidth, int Images, int BatchSize,
    ScoringThroughput DirectBatch, ScoringThroughput PipelineBatch,
    ScoringThroughput DirectSingle, ScoringThroughput PipelineSingle, IReadOnlyList<long>? RssAfterPasses = null)
{
    /// <summary>Pipeline over direct, IDataView transform vs batched session runs.</summary>
    public double BatchRatio => PipelineBatch.ImagesPerSecond / DirectBatch.ImagesPerSecond;
    /// <summary>Pipeline over direct, PredictionEngine vs one session run per image.</summary>
    public double SingleRatio => PipelineSingle.ImagesPerSecond / DirectSingle.ImagesPerSecond;

    public override string ToString() =>
        $"model {Model} ({InputHeight}x{InputWidth}), {Images} images, batch {BatchSize}\n" +
        $"  batch : direct ORT {DirectBatch.ImagesPerSecond,8:F1} img/s | ML.NET Transform {PipelineBatch.ImagesPerSecond,8:F1} img/s | ratio {BatchRatio:P0}\n" +
        $"  single: direct ORT {DirectSingle.ImagesPerSecond,8:F1} img/s | PredictionEngine {PipelineSingle.ImagesPerSecond,8:F1} img/s | ratio {SingleRatio:P0}" +
        (RssAfterPasses is { Count: > 0 } rss ? $"\n  resident memory after each Transform pass (after a full GC): {string.Join(", ", rss.Select(b => $"{b / 1048576.0:F0}"))} MiB" : "");
}

/// <summary>
/// Measures ScoreKeypoints (ML.NET OnnxTransformer) against InferenceSession.Run on the same model and the same
/// normalized tensors, so that only the scoring path differs. Both use ONNX Runtime's default session options.
/// "Batch" is the pipeline's Transform over an IDataView (ScoreKeypoints with <c>BatchSize = batchSize</c>: its cursor
/// reads that many rows ahead and runs them as one tensor) against direct runs of <c>batchSize</c> images; "single" is
/// PredictionEngine.Predict (one OnnxTransformer run per row) against one direct run per image.
/// </summary>
public static class ScoringBenchmark
{
    /// <summary>Channels of the built benchmark model: about ResNet18's work per image at 224 x 224 is not needed to
    /// compare paths, but the model must cost enough that per-row overhead does not decide the result alone.</summary>
    public static readonly int[] DefaultChannels = [32, 64, 128, 256];

    /// <summary>Runs the benchmark; without <paramref name="modelPath"/> a 1x224x224 conv regressor (68 points,
    /// <see cref="DefaultChannels"/>) is built.</summary>
    public static ScoringBenchmarkResult Run(string? modelPath = null, int images = 128, int batchSize = 16, int repeats = 3, int seed = 1)
    {
        string? temporary = null;
        if (modelPath is null)
        {
            temporary = Path.Combine(Path.GetTempPath(), $"keypointml-bench-{Guid.NewGuid():N}.onnx");
            modelPath = SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvRegressor(224, 224, 68, channelsPerLayer: DefaultChannels), temporary);
        }
        try
        {
            using var model = KeypointModel.Open(modelPath);
            var tensors = RandomTensors(images, model.InputLength, seed);
            var ml = new MLContext(seed);
            var schema = SchemaDefinition.Create(typeof(PixelsRow));
            schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, model.Metadata.InputHeight, model.Metadata.InputWidth);
            var data = ml.Data.LoadFromEnumerable(tensors.Select(t => new PixelsRow { Pixels = t }), schema);
            using var scorer = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { Model = model, BatchSize = batchSize }).Fit(data);
            using var session = new InferenceSession(modelPath);
            using var engine = ml.Model.CreatePredictionEngine<PixelsRow, OutputRow>(scorer, inputSchemaDefinition: schema);

            var h = model.Metadata.InputHeight;
            var w = model.Metadata.InputWidth;
            double Direct(int batch) => Time(() => DirectRuns(session, tensors, batch, h, w));
            double Pipeline() => Time(() => PipelineRun(scorer.Transform(data)));
            double Single() => Time(() => { foreach (var t in tensors) engine.Predict(new PixelsRow { Pixels = t }); });

            // Warm up every path once, then keep the best of the repeats (least disturbed by other work on the machine).
            Direct(batchSize); Pipeline(); Direct(1); Single();
            double directBatch = double.MaxValue, pipelineBatch = double.MaxValue, directSingle = double.MaxValue, pipelineSingle = double.MaxValue;
            var rss = new List<long>();
            for (int r = 0; r < repeats; r++)
            {
                directBatch = Math.Min(directBatch, Direct(batchSize));
                pipelineBatch = Math.Min(pipelineBatch, Pipeline());
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                rss.Add(Environment.WorkingSet);
                directSingle = Math.Min(directSingle, Direct(1));
                pipelineSingle = Math.Min(pipelineSingle, Single());
            }
            return new ScoringBenchmarkResult(Path.GetFileName(modelPath), h, w, images, batchSize,
                new("direct ORT, batched", images, directBatch), new("ML.NET Transform", images, pipelineBatch),
                new("direct ORT, one image per run", images, directSingle), new("ML.NET PredictionEngine", images, pipelineSingle), rss);
        }
        finally
        {
            if (temporary != null) File.Delete(temporary);
        }
    }

    private static void DirectRuns(InferenceSession session, float[][] tensors, int batch, int h, int w)
    {
        // Reused across the batches, as the pipeline reuses its buffers.
        float[] outputs = [];
        int length = h * w;
        for (int start = 0; start < tensors.Length; start += batch)
        {
            int n = Math.Min(batch, tensors.Length - start);
            var buffer = new float[n * length];
            for (int i = 0; i < n; i++) tensors[start + i].CopyTo(buffer, i * length);
            var input = NamedOnnxValue.CreateFromTensor(KeypointModelMetadata.InputName, new DenseTensor<float>(buffer, [n, 1, h, w]));
            using var results = session.Run([input]);
            // The outputs read into managed memory, as any caller must to use them (and as the pipeline serves them).
            var scores = ((DenseTensor<float>)results.First().AsTensor<float>()).Buffer.Span;
            if (outputs.Length < scores.Length) outputs = new float[scores.Length];
            scores.CopyTo(outputs);
        }
    }

    private static void PipelineRun(IDataView scored)
    {
        var column = scored.Schema[KeypointColumns.ModelOutput];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        while (cursor.MoveNext()) getter(ref value);
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static float[][] RandomTensors(int count, int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var t = new float[length];
            for (int i = 0; i < length; i++) t[i] = (float)random.NextDouble() - 0.5f;
            return t;
        }).ToArray();
    }

    /// <summary>Input row: a normalized tensor.</summary>
    public sealed class PixelsRow
    {
        public float[] Pixels { get; set; } = [];
    }

    /// <summary>Output row: the raw model output.</summary>
    public sealed class OutputRow
    {
        public float[] ModelOutput { get; set; } = [];
    }
}
