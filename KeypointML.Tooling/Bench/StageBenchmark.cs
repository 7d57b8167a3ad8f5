using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Imaging;
using KeypointML.Models;
using KeypointML.Preprocessing;
using KeypointML.Transforms;
using Microsoft.ML.Data;

namespace KeypointML.Tooling.Bench;

/// <summary>Milliseconds per face of each stage of the per-face call, and of the whole call (the peers' scope: an
/// already decoded image and its box in, points out), plus the detector per photo when one is given.</summary>
public sealed record StageTimes
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("faces")] public required int Faces { get; init; }
    [JsonPropertyName("threads")] public int? Threads { get; init; }
    /// <summary>Decoding the image file (JPEG) into pixels.</summary>
    [JsonPropertyName("msPerFaceDecodeJpeg")] public required double DecodeJpeg { get; init; }
    /// <summary>Decoding it at the reduced scale <c>ReducedDecoding</c> picks for the face's crop (the full decode when
    /// the crop allows none).</summary>
    [JsonPropertyName("msPerFaceDecodeJpegReduced")] public required double DecodeJpegReduced { get; init; }
    /// <summary>Crop to the box, grey, resize, normalize: the model's input tensor from the decoded image.</summary>
    [JsonPropertyName("msPerFacePreprocess")] public required double Preprocess { get; init; }
    /// <summary>One ONNX Runtime run per face.</summary>
    [JsonPropertyName("msPerFaceModel")] public required double Model1 { get; init; }
    /// <summary>ONNX Runtime runs of 16 faces, per face.</summary>
    [JsonPropertyName("msPerFaceModelBatched")] public required double ModelBatched { get; init; }
    /// <summary>The codec's decode and the map back to image pixels.</summary>
    [JsonPropertyName("msPerFaceDecodeOutput")] public required double DecodeOutput { get; init; }
    /// <summary>Preprocess + model (one face per run) + decode, timed as one call on a decoded image.</summary>
    [JsonPropertyName("msPerFaceTotal")] public required double Total { get; init; }
    /// <summary>Everything but the model run, on a decoded image: preprocess + decode output, timed as one call.</summary>
    [JsonPropertyName("msPerFacePipeline")] public required double Pipeline { get; init; }
    /// <summary>Everything but the model run from the image file: JPEG decode + preprocess + decode output.</summary>
    [JsonPropertyName("msPerFacePipelineFromFile")] public required double PipelineFromFile { get; init; }
    /// <summary>The same with <c>ReducedDecoding</c>.</summary>
    [JsonPropertyName("msPerFacePipelineFromFileReduced")] public required double PipelineFromFileReduced { get; init; }
    /// <summary>The face detector per photo (letterbox, run, decode, merge), on decoded images; null without a detector.</summary>
    [JsonPropertyName("msPerPhotoDetector")] public double? Detector { get; init; }

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>One line of JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public override string ToString() => string.Join("\n",
    [
        FormattableString.Invariant($"{Model}, {Faces} faces, ms per face (median over faces of each face's best repeat){(Threads is int t ? $", {t} ONNX Runtime thread(s)" : "")}:"),
        FormattableString.Invariant($"  JPEG decode                       {DecodeJpeg,8:F3}"),
        FormattableString.Invariant($"  JPEG decode, reduced for the crop {DecodeJpegReduced,8:F3}"),
        FormattableString.Invariant($"  crop + grey + resize + normalize  {Preprocess,8:F3}"),
        FormattableString.Invariant($"  model run (1 face)                {Model1,8:F3}"),
        FormattableString.Invariant($"  model run (batch of 16), per face {ModelBatched,8:F3}"),
        FormattableString.Invariant($"  decode output                     {DecodeOutput,8:F3}"),
        FormattableString.Invariant($"  per-face call (decoded image in)  {Total,8:F3}"),
        FormattableString.Invariant($"  all but the model, decoded image  {Pipeline,8:F3}"),
        FormattableString.Invariant($"  all but the model, from the file  {PipelineFromFile,8:F3}"),
        FormattableString.Invariant($"    with reduced JPEG decoding      {PipelineFromFileReduced,8:F3}"),
        .. Detector is double d ? [FormattableString.Invariant($"  face detector per photo           {d,8:F3}")] : Array.Empty<string>(),
    ]);
}

/// <summary>
/// Where the time of a per-face call goes, stage by stage, with the same library code the ML.NET components run
/// (<see cref="ImageFileReader"/>, <see cref="FaceTensorSampler"/>, the model's session and codec).
/// Each stage is timed per face, the best of <c>repeats</c> kept per face, and the median over faces reported.
/// </summary>
public static class StageBenchmark
{
    public static StageTimes Run(string modelPath, IReadOnlyList<KeypointSample> faces, int repeats = 3, int? threads = null, string? detectorPath = null)
    {
        if (faces.Count == 0) throw new ArgumentException("no faces to time.");
        var options = new KeypointModelOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads };
        using var model = KeypointModel.Open(modelPath, options);
        var codec = model.Codec();
        var p = model.Preprocessing;
        var images = faces.Select(f => MLImage.CreateFromFile(f.ImagePath)).ToList();
        try
        {
            var input = new float[p.InputLength];
            var output = new float[model.OutputLength];
            var normalized = new float[2 * codec.KeypointCount];
            var confidence = new float[codec.KeypointCount];

            double decodeJpeg = Median(faces.Select(f => Best(repeats, () => { using var _ = ImageFileReader.ReadPixels(f.ImagePath, static (_, _) => 1); })));
            double decodeReduced = Median(faces.Select(f => Best(repeats, () => { using var _ = ReadReduced(f, p); })));
            double preprocess = Median(faces.Select((f, i) => Best(repeats, () => Preprocess(images[i], f.Box, p, input))));
            double model1 = Median(faces.Select(_ => Best(repeats, () => model.Run(input, 1, output))));
            var batchInput = new float[16 * p.InputLength];
            var batchOutput = new float[16 * model.OutputLength];
            double batched = Best(repeats, () => model.Run(batchInput, 16, batchOutput)) / 16;
            void DecodeOutput(KeypointSample f)
            {
                codec.Decode(output, normalized, confidence);
                _ = p.CropOf(f.Box).KeypointsFromNormalized(normalized);
            }
            double decode = Median(faces.Select(f => Best(repeats, () => DecodeOutput(f))));
            double total = Median(faces.Select((f, i) => Best(repeats, () =>
            {
                Preprocess(images[i], f.Box, p, input);
                model.Run(input, 1, output);
                DecodeOutput(f);
            })));
            double pipeline = Median(faces.Select((f, i) => Best(repeats, () =>
            {
                Preprocess(images[i], f.Box, p, input);
                DecodeOutput(f);
            })));
            double FromFile(bool reduced) => Median(faces.Select(f => Best(repeats, () =>
            {
                using (var pixels = reduced ? ReadReduced(f, p) : ImageFileReader.ReadPixels(f.ImagePath, static (_, _) => 1))
                    FaceTensorSampler.Sample(pixels.Source, p.CropOf(f.Box), p.Fill, p.InputWidth, p.InputHeight, input);
                DecodeOutput(f);
            })));
            double fromFile = FromFile(reduced: false), fromFileReduced = FromFile(reduced: true);
            double? detector = null;
            if (detectorPath is not null)
            {
                using var d = FaceDetectorModel.Open(detectorPath, options);
                detector = Median(images.Select(image => Best(repeats, () => d.Detect(image))));
            }
            return new StageTimes
            {
                Model = Path.GetFileName(modelPath), Faces = faces.Count, Threads = threads, DecodeJpeg = decodeJpeg, DecodeJpegReduced = decodeReduced,
                Preprocess = preprocess, Model1 = model1, ModelBatched = batched, DecodeOutput = decode, Total = total, Pipeline = pipeline,
                PipelineFromFile = fromFile, PipelineFromFileReduced = fromFileReduced, Detector = detector,
            };
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    // What DetectKeypoints runs on a decoded image: crop, grey, resize and normalize in one pass.
    private static void Preprocess(MLImage image, float[] box, FacePreprocessing p, float[] input) =>
        FaceTensorSampler.Sample(image, p.CropOf(box), p.Fill, p.InputWidth, p.InputHeight, input);

    // The file decoded as DetectKeypoints with ReducedDecoding decodes it for this face.
    private static DecodedPixels ReadReduced(KeypointSample face, FacePreprocessing p) =>
        ImageFileReader.ReadPixels(face.ImagePath, (_, _) => FaceTensorMapping.Reduction(p.CropOf(face.Box), p));

    private static double Best(int repeats, Action action)
    {
        action();   // warm-up
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return best;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
