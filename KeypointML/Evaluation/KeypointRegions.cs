using System.Text.Json.Serialization;

namespace KeypointML.Evaluation;

/// <summary>A named group of consecutive keypoints: <see cref="First"/> to <see cref="Last"/>, 0-based, inclusive.</summary>
public sealed record KeypointRegion(string Name, int First, int Last)
{
    /// <summary>Number of keypoints in the region.</summary>
    public int Count => Last - First + 1;

    /// <summary>The standard groups of the 68-point iBUG 300-W scheme (0-based): jaw 0-16, brows 17-26, nose 27-35,
    /// eyes 36-47, mouth 48-67.</summary>
    public static IReadOnlyList<KeypointRegion> Ibug68 { get; } =
    [
        new("jaw", 0, 16),
        new("brows", 17, 26),
        new("nose", 27, 35),
        new("eyes", 36, 47),
        new("mouth", 48, 67),
    ];
}

/// <summary>The error of one region's keypoints over a data set.</summary>
public sealed record KeypointRegionError
{
    /// <summary>Mean over rows of (the mean pixel error of the region's points / the row's labelled outer-eye-corner
    /// distance, points 36 and 45), as <see cref="KeypointMetrics.NmeInterOcular"/> for the whole face.</summary>
    [JsonPropertyName("nmeInterOcular")] public required double NmeInterOcular { get; init; }

    /// <summary>Mean Euclidean distance in original image pixels over the region's points of all rows.</summary>
    [JsonPropertyName("meanPixelError")] public required double MeanPixelError { get; init; }
}

/// <summary>Errors per region of the 68-point iBUG scheme (<see cref="KeypointRegion.Ibug68"/>).</summary>
public sealed record KeypointRegionMetrics
{
    /// <summary>Points 0-16.</summary>
    [JsonPropertyName("jaw")] public required KeypointRegionError Jaw { get; init; }
    /// <summary>Points 17-26.</summary>
    [JsonPropertyName("brows")] public required KeypointRegionError Brows { get; init; }
    /// <summary>Points 27-35.</summary>
    [JsonPropertyName("nose")] public required KeypointRegionError Nose { get; init; }
    /// <summary>Points 36-47.</summary>
    [JsonPropertyName("eyes")] public required KeypointRegionError Eyes { get; init; }
    /// <summary>Points 48-67.</summary>
    [JsonPropertyName("mouth")] public required KeypointRegionError Mouth { get; init; }

    /// <summary>The regions in <see cref="KeypointRegion.Ibug68"/> order with their errors.</summary>
    public IReadOnlyList<(KeypointRegion Region, KeypointRegionError Error)> ToList() =>
        KeypointRegion.Ibug68.Zip([Jaw, Brows, Nose, Eyes, Mouth], (r, e) => (r, e)).ToList();

    /// <summary>Builds the record from errors in <see cref="KeypointRegion.Ibug68"/> order.</summary>
    internal static KeypointRegionMetrics FromList(IReadOnlyList<KeypointRegionError> errors) =>
        errors.Count == KeypointRegion.Ibug68.Count
            ? new() { Jaw = errors[0], Brows = errors[1], Nose = errors[2], Eyes = errors[3], Mouth = errors[4] }
            : throw new ArgumentException($"{KeypointRegion.Ibug68.Count} region errors expected; got {errors.Count}.", nameof(errors));
}
