using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;

namespace KeypointML.Tooling.Bench;

/// <summary>What <see cref="PhotoBenchmark"/> measured: ms per photo and per face of each stage of the photo path.</summary>
public sealed record PhotoTimes
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("detector")] public required string Detector { get; init; }
    [JsonPropertyName("photos")] public required int Photos { get; init; }
    [JsonPropertyName("faces")] public required int Faces { get; init; }
    [JsonPropertyName("crops")] public required int Crops { get; init; }
    [JsonPropertyName("threads")] public int? Threads { get; init; }
    [JsonPropertyName("minFaceSize")] public required float MinFaceSize { get; init; }
    [JsonPropertyName("msPerPhotoDecode")] public required double Decode { get; init; }
    [JsonPropertyName("msPerPhotoDetect")] public required double Detect { get; init; }
    [JsonPropertyName("msPerPhotoCrop")] public required double Crop { get; init; }
    [JsonPropertyName("msPerPhotoLandmarks")] public required double Landmarks { get; init; }
    [JsonPropertyName("msPerPhotoDecodeOutput")] public required double DecodeOutput { get; init; }
    [JsonPropertyName("msPerPhoto")] public required double Total { get; init; }
    [JsonPropertyName("msPerFace")] public required double PerFace { get; init; }
    [JsonPropertyName("msPerFaceLandmarks")] public required double PerFaceLandmarks { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>One line of JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <inheritdoc />
    public override string ToString() => string.Join("\n",
        string.Create(CultureInfo.InvariantCulture, $"photo path: {Photos} photos, {Faces} faces ({Crops} landmark crops), {Model} + {Detector}, MinFaceSize {MinFaceSize}, threads {(Threads?.ToString(CultureInfo.InvariantCulture) ?? "ONNX Runtime's")}"),
        string.Create(CultureInfo.InvariantCulture, $"  ms per photo: decode {Decode:F2}, detect {Detect:F2}, crop {Crop:F2}, landmarks {Landmarks:F2}, decode output {DecodeOutput:F2} = {Total:F2}"),
        string.Create(CultureInfo.InvariantCulture, $"  ms per face: {PerFace:F2} (the whole photo's time over its faces), landmark model {PerFaceLandmarks:F2}"));
}

/// <summary>
/// The photo path timed stage by stage (keypointml bench --photos): the encoded bytes already in memory (file reading is
/// not timed), decode (EXIF applied) -> detect -> crop every face -> one landmark run -> decode the outputs, through the
/// same <see cref="FaceEngine"/> every door uses. One warm-up pass over the photos, then one timed pass.
/// </summary>
public static class PhotoBenchmark
{
    public static PhotoTimes Run(string modelPath, string detectorPath, IReadOnlyList<string> photos, int? threads, FaceDetectionOptions detection)
    {
        if (photos.Count == 0) throw new ArgumentException("No photos to time.");
        var sessions = new KeypointModelOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads };
        using var detector = FaceDetectors.Open(detectorPath, sessions);
        using var landmarks = KeypointModel.Open(modelPath, sessions);
        var engine = new FaceEngine(detector, landmarks, new FaceEngineOptions { Detection = detection });
        var bytes = photos.Select(File.ReadAllBytes).ToList();
        for (int i = 0; i < bytes.Count; i++) Once(engine, bytes[i], photos[i], null);   // warm-up (JIT, ONNX Runtime's first runs)
        var clock = new StageClock();
        int faces = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < bytes.Count; i++) faces += Once(engine, bytes[i], photos[i], clock);
        double total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        int n = photos.Count;
        return new PhotoTimes
        {
            Model = Path.GetFileNameWithoutExtension(modelPath), Detector = Path.GetFileNameWithoutExtension(detectorPath), Photos = n, Faces = faces,
            Crops = clock.Crops, Threads = threads, MinFaceSize = detection.MinFaceSize,
            Decode = clock.Decode / n, Detect = clock.Detect / n, Crop = clock.Crop / n, Landmarks = clock.Landmarks / n, DecodeOutput = clock.DecodeOutput / n,
            Total = total / n, PerFace = faces == 0 ? 0 : total / faces, PerFaceLandmarks = clock.Crops == 0 ? 0 : clock.Landmarks / clock.Crops,
        };
    }

    private static int Once(FaceEngine engine, byte[] encoded, string name, StageClock? clock)
    {
        long start = Stopwatch.GetTimestamp();
        using var pixels = ImageFileReader.ReadPixels(encoded, $"image '{name}'", static (_, _) => 1);
        clock?.Add(ref clock.Decode, start);
        return engine.Run(pixels.Image, clock).Count;
    }
}
