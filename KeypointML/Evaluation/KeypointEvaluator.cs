using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Evaluation;

/// <summary>Options of <see cref="KeypointEvaluator.Evaluate"/>.</summary>
public sealed class KeypointEvaluationOptions
{
    /// <summary>Ground-truth keypoints, float[2K] in original image pixels.</summary>
    public string LabelColumnName { get; set; } = KeypointColumns.Label;
    /// <summary>Predicted keypoints, same layout.</summary>
    public string KeypointsColumnName { get; set; } = KeypointColumns.Keypoints;
    /// <summary>Face box, float[4] left, top, width, height, for the box NME; ignored when null or absent.</summary>
    public string? BoxColumnName { get; set; } = KeypointColumns.Box;
    /// <summary>Image size, float[2] width, height, for the normalized MSE; ignored when null or absent.</summary>
    public string? ImageSizeColumnName { get; set; } = KeypointColumns.ImageSize;
    /// <summary>Per-point confidence, float[K], for <see cref="KeypointMetrics.ConfidenceErrorCorrelation"/>; ignored when null or absent.</summary>
    public string? ConfidenceColumnName { get; set; } = KeypointColumns.Confidence;
    /// <summary>NME threshold for failure rate and AUC.</summary>
    public double Threshold { get; set; } = KeypointDefaults.FailureThreshold;
}

/// <summary>Computes <see cref="KeypointMetrics"/> from scored data in one streaming pass.</summary>
public static class KeypointEvaluator
{
    /// <summary>Evaluates the predicted keypoints of <paramref name="data"/> against its labels.</summary>
    public static KeypointMetrics EvaluateKeypoints(this MLContext mlContext, IDataView data, KeypointEvaluationOptions? options = null) =>
        Evaluate(data, options);

    /// <summary>Evaluates the predicted keypoints of <paramref name="data"/> against its labels.</summary>
    public static KeypointMetrics Evaluate(IDataView data, KeypointEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = options ?? new KeypointEvaluationOptions();
        const string component = "EvaluateKeypoints";
        SchemaChecks.CheckFloatVector(data.Schema, o.LabelColumnName, component, 0, "labelled x0, y0, x1, y1, ... in pixels");
        SchemaChecks.CheckFloatVector(data.Schema, o.KeypointsColumnName, component, 0, "predicted x0, y0, x1, y1, ... in pixels");
        var boxColumn = o.BoxColumnName is { } b && data.Schema.GetColumnOrNull(b) is not null ? b : null;
        var sizeColumn = o.ImageSizeColumnName is { } s && data.Schema.GetColumnOrNull(s) is not null ? s : null;
        var confidenceColumn = o.ConfidenceColumnName is { } c && data.Schema.GetColumnOrNull(c) is not null ? c : null;
        if (confidenceColumn != null) SchemaChecks.CheckFloatVector(data.Schema, confidenceColumn, component, 0, "per-point confidence");
        if (boxColumn != null) SchemaChecks.CheckFloatVector(data.Schema, boxColumn, component, 4, "face box left, top, width, height");
        if (sizeColumn != null) SchemaChecks.CheckFloatVector(data.Schema, sizeColumn, component, 2, "image width, height");

        var accumulator = new KeypointMetricsAccumulator(boxColumn != null, sizeColumn != null);
        var columns = new[] { o.LabelColumnName, o.KeypointsColumnName, boxColumn, sizeColumn, confidenceColumn }
            .Where(c => c != null).Select(c => data.Schema[c!]).ToArray();
        using var cursor = data.GetRowCursor(columns);
        var labelGetter = cursor.GetGetter<VBuffer<float>>(data.Schema[o.LabelColumnName]);
        var predictionGetter = cursor.GetGetter<VBuffer<float>>(data.Schema[o.KeypointsColumnName]);
        var boxGetter = boxColumn != null ? cursor.GetGetter<VBuffer<float>>(data.Schema[boxColumn]) : null;
        var sizeGetter = sizeColumn != null ? cursor.GetGetter<VBuffer<float>>(data.Schema[sizeColumn]) : null;
        var confidenceGetter = confidenceColumn != null ? cursor.GetGetter<VBuffer<float>>(data.Schema[confidenceColumn]) : null;
        VBuffer<float> label = default, prediction = default, box = default, size = default, confidence = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            labelGetter(ref label);
            predictionGetter(ref prediction);
            boxGetter?.Invoke(ref box);
            sizeGetter?.Invoke(ref size);
            confidenceGetter?.Invoke(ref confidence);
            if (label.Length != prediction.Length || label.Length % 2 != 0 || label.Length == 0)
                throw new InvalidDataException($"{component}: row {row}: '{o.LabelColumnName}' has {label.Length} values and '{o.KeypointsColumnName}' {prediction.Length}; both must hold the same number of (x, y) pairs.");
            accumulator.Add(label.DenseValues().ToArray(), prediction.DenseValues().ToArray(),
                boxGetter != null ? box.DenseValues().ToArray() : null, sizeGetter != null ? size.DenseValues().ToArray() : null,
                confidenceGetter != null ? confidence.DenseValues().ToArray() : null);
            row++;
        }
        return accumulator.Metrics(o.Threshold);
    }
}
