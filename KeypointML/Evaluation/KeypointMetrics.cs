using System.Text.Json;
using System.Text.Json.Serialization;

namespace KeypointML.Evaluation;

/// <summary>
/// Accuracy of predicted keypoints against labels over a data set. Metrics that are not defined for the data are null
/// (JSON null): the inter-ocular and inter-pupil NMEs need the 68-point iBUG scheme, the box NME needs a face box column,
/// the MSE needs the image size column; the per-region errors need the 68-point scheme.
/// </summary>
public sealed record KeypointMetrics
{
    /// <summary>Number of rows evaluated.</summary>
    [JsonPropertyName("count")] public required int Count { get; init; }

    /// <summary>Mean squared error in normalized coordinates: x differences divided by the image width, y by its height
    /// (the seed's measure), averaged over all coordinates of all rows.</summary>
    [JsonPropertyName("mse")] public required double? Mse { get; init; }

    /// <summary>Mean Euclidean distance in original image pixels over all keypoints of all rows.</summary>
    [JsonPropertyName("meanPixelError")] public required double MeanPixelError { get; init; }

    /// <summary>Mean per-row NME normalised by the labelled outer-eye-corner distance (points 36 and 45, 0-based, of 68); null otherwise.</summary>
    [JsonPropertyName("nmeInterOcular")] public required double? NmeInterOcular { get; init; }

    /// <summary>Mean per-row NME normalised by the labelled pupil distance (pupil = mean of points 36-41 and 42-47 of 68); null otherwise.</summary>
    [JsonPropertyName("nmeInterPupil")] public required double? NmeInterPupil { get; init; }

    /// <summary>Mean per-row NME normalised by the face box size sqrt(width * height); null without a box column.</summary>
    [JsonPropertyName("nmeBox")] public required double? NmeBox { get; init; }

    /// <summary>Which per-row NME the failure rate and AUC use: "interOcular" for 68 points, else "box"; null when neither exists.</summary>
    [JsonPropertyName("nmeBasis")] public required string? NmeBasis { get; init; }

    /// <summary>Fraction of rows whose NME (see <see cref="NmeBasis"/>) exceeds <see cref="Threshold"/>.</summary>
    [JsonPropertyName("failureRate")] public required double? FailureRate { get; init; }

    /// <summary>Area under the cumulative error curve from 0 to <see cref="Threshold"/>, divided by the threshold (0..1).</summary>
    [JsonPropertyName("auc")] public required double? Auc { get; init; }

    /// <summary>The NME threshold of <see cref="FailureRate"/> and <see cref="Auc"/> (0.08 by default).</summary>
    [JsonPropertyName("threshold")] public required double Threshold { get; init; }

    /// <summary>Spearman's rank correlation between each predicted point's confidence (for heatmap models, from the spread of its map) and its error, over all
    /// points of all rows; null without a confidence column. Negative means what it should: low confidence, large error.</summary>
    [JsonPropertyName("confidenceErrorCorrelation")] public double? ConfidenceErrorCorrelation { get; init; }

    /// <summary>Mean pixel error of each keypoint.</summary>
    [JsonPropertyName("perKeypointError")] public required double[] PerKeypointError { get; init; }

    /// <summary>68-point data: the inter-ocular NME and mean pixel error of each iBUG region (jaw, brows, nose, eyes,
    /// mouth; <see cref="KeypointRegion.Ibug68"/>); null for other point counts (and in JSON written before it existed).</summary>
    [JsonPropertyName("regions")] public KeypointRegionMetrics? Regions { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The metrics as indented JSON with the camelCase names above.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
