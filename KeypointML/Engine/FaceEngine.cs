using System.Buffers;
using KeypointML.Codecs;
using KeypointML.Detection;
using KeypointML.Imaging;
using KeypointML.Models;

namespace KeypointML.Engine;

/// <summary>
/// The one path from pixels to faces that every door uses (<see cref="FaceLandmarker"/>, the ML.NET components, the
/// tools, the tracker): detect -> one <see cref="FaceRegion"/> per face (turned with the head) -> every face's crop
/// sampled into one batch -> one landmark model run -> decode -> points in the image's pixels. Plain C# over ONNX
/// Runtime; no ML.NET, no temporary files, buffers pooled. Thread-safe: it holds only the models and immutable settings.
/// </summary>
public sealed class FaceEngine
{
    private readonly LandmarkStages? _landmarks;
    private readonly LandmarkStages? _smallFaces;
    private readonly DetectionRegions _regions;

    /// <summary>An engine over a detector and (optionally) a landmark model; the caller keeps and disposes the models.</summary>
    /// <param name="detector">The face detector.</param>
    /// <param name="landmarks">The landmark model; null = faces only.</param>
    /// <param name="options">The settings; null = the defaults.</param>
    /// <param name="smallFaceLandmarks">A landmark model with the same points for faces narrower than
    /// <see cref="FaceEngineOptions.SmallFaceWidth"/> (e.g. <c>ibug68-small</c>, trained on faces made small); null = the
    /// landmark model for every face.</param>
    public FaceEngine(IFaceDetector detector, KeypointModel? landmarks, FaceEngineOptions? options = null, KeypointModel? smallFaceLandmarks = null)
        : this(landmarks, detector ?? throw new ArgumentNullException(nameof(detector)), options, smallFaceLandmarks)
    {
    }

    /// <summary>An engine for faces whose regions are known (a dataset's boxes, a tracker's crops): <see cref="Points(ImagePixels, IReadOnlyList{FaceRegion})"/>
    /// without a detector (<see cref="Run(ImagePixels)"/> needs one). The caller keeps and disposes the models.</summary>
    public FaceEngine(KeypointModel landmarks, FaceEngineOptions? options = null, KeypointModel? smallFaceLandmarks = null)
        : this(landmarks ?? throw new ArgumentNullException(nameof(landmarks)), null, options, smallFaceLandmarks)
    {
    }

    private FaceEngine(KeypointModel? landmarks, IFaceDetector? detector, FaceEngineOptions? options, KeypointModel? smallFaceLandmarks)
    {
        Detector = detector;
        Landmarks = landmarks;
        SmallFaceLandmarks = smallFaceLandmarks;
        Options = options ?? new FaceEngineOptions();
        Options.Validate();
        _regions = Options.Regions ?? (detector is null ? FaceEngineDefaults.RegionsFor300WBoxes : FaceEngineDefaults.RegionsFor(detector));
        if (landmarks is not null) _landmarks = new LandmarkStages(landmarks, Options);
        if (smallFaceLandmarks is not null)
        {
            if (landmarks is null) throw new ArgumentException("A small-face model routes some faces away from the landmark model: give the landmark model too.", nameof(smallFaceLandmarks));
            if (smallFaceLandmarks.Metadata.KeypointCount != landmarks.Metadata.KeypointCount)
                throw new ArgumentException($"The small-face model gives {smallFaceLandmarks.Metadata.KeypointCount} points and the landmark model {landmarks.Metadata.KeypointCount}: " +
                    "a face's points must not change their meaning with its size.", nameof(smallFaceLandmarks));
            _smallFaces = new LandmarkStages(smallFaceLandmarks, Options);
        }
    }

    /// <summary>The face detector (null for an engine of known regions).</summary>
    public IFaceDetector? Detector { get; }
    /// <summary>The landmark model, or null (faces only).</summary>
    public KeypointModel? Landmarks { get; }
    /// <summary>The landmark model of faces narrower than <see cref="FaceEngineOptions.SmallFaceWidth"/>, or null.</summary>
    public KeypointModel? SmallFaceLandmarks { get; }
    /// <summary>The settings.</summary>
    public FaceEngineOptions Options { get; }

    /// <summary>Every face in <paramref name="image"/>, best score first, with its points when there is a landmark model.</summary>
    public IReadOnlyList<EngineFace> Run(ImagePixels image) => Run(image, null);

    /// <summary><see cref="Run(ImagePixels)"/>, adding each stage's time to <paramref name="clock"/> (benchmarks).</summary>
    internal IReadOnlyList<EngineFace> Run(ImagePixels image, StageClock? clock)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var detector = Detector ?? throw new InvalidOperationException("This engine has no face detector: it scores regions it is given (Points).");
        var detected = detector.Detect(image, Options.Detection);
        clock?.Add(ref clock.Detect, start);
        EngineFace Face(int i, FaceRegion region, float[] keypoints, float[] confidence) =>
            new(i, detected[i].Score, detected[i].Box, detected[i].Keypoints, region, keypoints, confidence);
        if (Landmarks is null || detected.Count == 0) return [.. detected.Select((d, i) => Face(i, _regions.Of(d), [], []))];
        var scored = PointsOfDetections(FaceTensorSampler.SourcePixels.Of(image), detected, clock);
        return [.. scored.Select((p, i) => Face(i, p.Region, p.Keypoints, p.Confidence))];
    }

    /// <summary>The landmark model's points for detected faces: a crop per roll the detector saw each face with, in one
    /// batch, the crop the model is surest of kept; then faces whose points roll away from their crop are cropped again
    /// around them.</summary>
    internal RegionPoints[] PointsOfDetections(FaceTensorSampler.SourcePixels source, IReadOnlyList<DetectedFace> detected, StageClock? clock = null)
    {
        var candidates = detected.Select(_regions.Candidates).ToArray();
        var all = Points(source, [.. candidates.SelectMany(c => c)], clock);
        var scored = new RegionPoints[detected.Count];
        for (int i = 0, at = 0; i < scored.Length; at += candidates[i].Length, i++)
            scored[i] = new ArraySegment<RegionPoints>(all, at, candidates[i].Length).MaxBy(MeanConfidence)!;
        // A second look at the faces whose points disagree with the crop's roll by more than RollRecrop (the detector's
        // five points place the eyes of a turned head only roughly), or at every face with Passes = 2: cropped again
        // around the first points, with the roll they give; at most RecropPasses times, each time only for the faces
        // that still disagree.
        var again = Enumerable.Range(0, scored.Length).Where(i => Options.Passes == 2 || RollDisagrees(scored[i])).ToList();
        for (int pass = 0; pass < FaceEngineDefaults.RecropPasses && again.Count > 0; pass++)
        {
            var redone = Points(source, [.. again.Select(i => Level(FaceRegion.FromLandmarks(scored[i].Keypoints, Options.LandmarkBoxMap)))], clock);
            // The new crop's points are kept when the model is at least as sure of them (a crop turned the wrong way gives
            // points it is unsure of, and their roll would lead further astray).
            for (int j = 0; j < again.Count; j++)
                if (Options.Passes == 2 || MeanConfidence(redone[j]) >= MeanConfidence(scored[again[j]])) scored[again[j]] = redone[j];
            again = [.. again.Where((i, j) => ReferenceEquals(scored[i], redone[j]) && RollDisagrees(scored[i]))];
        }
        return scored;
    }

    /// <summary>The region with a roll too small to turn for made upright (the ML.NET components' crop).</summary>
    internal FaceRegion Level(FaceRegion region) => _regions.Level(region);

    internal static float MeanConfidence(RegionPoints p) => p.Confidence.Length == 0 ? 0 : p.Confidence.Average();

    private bool RollDisagrees(RegionPoints p)
    {
        if (p.Keypoints.Length != 2 * 68 || !float.IsFinite(p.Keypoints[0])) return false;
        // The roll the points' own crop would have: under MinRoll that crop is upright too, so a face rolled 10-20 degrees
        // in an upright crop is not cropped again for nothing.
        float roll = _regions.Level(p.Region with { Roll = FaceRegion.RollOfLandmarks(p.Keypoints) }).Roll;
        float difference = MathF.Abs(MathF.IEEERemainder(roll - p.Region.Roll, 2 * MathF.PI));
        return difference > FaceEngineDefaults.RollRecropDegrees * MathF.PI / 180;
    }

    /// <summary>The landmark model's points for faces whose regions are known (a tracker's next crops, a dataset's boxes):
    /// one batch, one model run. Regions too small to crop give NaN points.</summary>
    public IReadOnlyList<RegionPoints> Points(ImagePixels image, IReadOnlyList<FaceRegion> regions) =>
        Points(FaceTensorSampler.SourcePixels.Of(image), regions);

    internal RegionPoints[] Points(FaceTensorSampler.SourcePixels source, IReadOnlyList<FaceRegion> regions, StageClock? clock = null)
    {
        var main = _landmarks ?? throw new InvalidOperationException("This engine has no landmark model.");
        if (_smallFaces is not { } small) return Points(main, source, regions, clock);
        // Small faces go to the small-face model, the others to the landmark model: two batches, results in region order.
        var bySize = Enumerable.Range(0, regions.Count).ToLookup(i => IsSmall(regions[i]));
        if (!bySize[true].Any()) return Points(main, source, regions, clock);
        int[] smallAt = [.. bySize[true]], largeAt = [.. bySize[false]];
        var result = new RegionPoints[regions.Count];
        foreach (var (stages, at) in new[] { (small, smallAt), (main, largeAt) })
        {
            var points = Points(stages, source, [.. at.Select(i => regions[i])], clock);
            for (int j = 0; j < at.Length; j++) result[at[j]] = points[j];
        }
        return result;
    }

    /// <summary>Whether <paramref name="region"/> is scored by the small-face model (when there is one): narrower than
    /// <see cref="FaceEngineOptions.SmallFaceWidth"/> in the face's own frame.</summary>
    public bool IsSmall(FaceRegion region) => _smallFaces is not null && region.Width < Options.SmallFaceWidth;

    private static RegionPoints[] Points(LandmarkStages stages, FaceTensorSampler.SourcePixels source, IReadOnlyList<FaceRegion> regions, StageClock? clock) =>
        Points(stages, source, [.. regions.Select(r => RegionCrop.Of(r, stages.Preprocessing))], regions, clock);

    /// <summary>The landmark model's points for crops already made (a whole image for the whole-image models), one batch;
    /// <paramref name="regions"/> only label the results. The three stages below, run for one image.</summary>
    internal RegionPoints[] Points(FaceTensorSampler.SourcePixels source, IReadOnlyList<RegionCrop> crops, IReadOnlyList<FaceRegion> regions, StageClock? clock = null) =>
        Points(_landmarks ?? throw new InvalidOperationException("This engine has no landmark model."), source, crops, regions, clock);

    private static RegionPoints[] Points(LandmarkStages stages, FaceTensorSampler.SourcePixels source, IReadOnlyList<RegionCrop> crops, IReadOnlyList<FaceRegion> regions, StageClock? clock)
    {
        var scorer = stages.Scorer;
        if (crops.Count == 0) return [];
        int n = crops.Count, inLength = scorer.InputLength, outLength = scorer.OutputLength, k = stages.Model.Metadata.KeypointCount;
        var input = ArrayPool<float>.Shared.Rent(n * inLength);
        var output = ArrayPool<float>.Shared.Rent(n * outLength);
        try
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++) stages.Crop(source, crops[i], input.AsSpan(i * inLength, inLength));
            start = clock?.Add(ref clock.Crop, start) ?? 0;
            scorer.Run(input, n, output);
            start = clock?.Add(ref clock.Landmarks, start) ?? 0;
            var result = new RegionPoints[n];
            for (int i = 0; i < n; i++)
            {
                var points = new float[2 * k];
                var confidence = new float[k];
                stages.Decode(output.AsSpan(i * outLength, outLength), crops[i], points, confidence);
                result[i] = new RegionPoints(regions[i], points, confidence);
            }
            clock?.Add(ref clock.DecodeOutput, start);
            if (clock is not null) clock.Crops += n;
            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(output);
        }
    }

    // The landmark model's three stages, one definition each (LandmarkStages below). Points above runs them for the faces
    // of one image; DetectKeypoints runs them as ML.NET columns (crop -> tensor column, Scorer over a batch of rows'
    // tensors, decode), so a pipeline's rows are scored in batches across images and its tensor and model-output columns
    // stay inspectable. The members below are the landmark model's (not the small-face model's).

    /// <summary>The model's input tensor for one crop (<see cref="RegionSampler"/>: upright crops by the library's one
    /// resampling filter; turned ones sampled upright, then turned).</summary>
    internal void Crop(FaceTensorSampler.SourcePixels source, RegionCrop crop, Span<float> tensor) => Stages.Crop(source, crop, tensor);

    /// <summary>The landmark model run: n tensors in, n outputs out (mirrored too, with flip averaging).</summary>
    internal IBatchScorer Scorer => Stages.Scorer;

    /// <summary>How this engine decodes the landmark model's output (the model's codec with the options' refinement, flip
    /// averaging and shape prior).</summary>
    public KeypointCodec Codec => Stages.Codec;

    /// <summary>The crop rule and tensor size of the landmark model, with the options' fill.</summary>
    public Preprocessing.FacePreprocessing Preprocessing => Stages.Preprocessing;

    /// <summary>One face's model output -> its points in image pixels and per-point confidence (1 for coordinate models).</summary>
    internal void Decode(ReadOnlySpan<float> output, RegionCrop crop, Span<float> points, Span<float> confidence) => Stages.Decode(output, crop, points, confidence);

    private LandmarkStages Stages => _landmarks ?? throw new InvalidOperationException("This engine has no landmark model.");

    /// <summary>One landmark model's three stages with the engine's options: crop, scorer, decode.</summary>
    private sealed class LandmarkStages(KeypointModel model, FaceEngineOptions options)
    {
        public KeypointModel Model { get; } = model;
        public KeypointCodec Codec { get; } = model.Codec(options.Refinement, options.FlipAveraging, options.ApplyShapePrior);
        public IBatchScorer Scorer { get; } = options.FlipAveraging ? new FlipScorer(model) : model;
        public Preprocessing.FacePreprocessing Preprocessing { get; } = model.Preprocessing with { Fill = options.Fill };

        public void Crop(FaceTensorSampler.SourcePixels source, RegionCrop crop, Span<float> tensor) =>
            RegionSampler.Sample(source, crop, Preprocessing.Fill, Preprocessing.InputWidth, Preprocessing.InputHeight, tensor);

        public void Decode(ReadOnlySpan<float> output, RegionCrop crop, Span<float> points, Span<float> confidence)
        {
            Span<float> normalized = stackalloc float[points.Length];
            Codec.Decode(output, normalized, confidence);
            crop.ToImage(normalized, points);
            if (!Codec.HasConfidence) confidence.Fill(1f);
        }
    }
}

/// <summary>One face the engine found.</summary>
/// <param name="Index">0 = the best-scored face of its image.</param>
/// <param name="Score">The detector's score (0..1).</param>
/// <param name="DetectorBox">The detector's box (left, top, width, height).</param>
/// <param name="DetectorKeypoints">The detector's own points (YuNet: eyes, nose tip, mouth corners).</param>
/// <param name="Region">The region the landmark model was given (turned with the head).</param>
/// <param name="Keypoints">The landmark model's points x0, y0, ... in image pixels (empty without a model).</param>
/// <param name="Confidence">Per-point confidence (1 for coordinate models; empty without a model).</param>
public sealed record EngineFace(int Index, float Score, float[] DetectorBox, float[] DetectorKeypoints, FaceRegion Region, float[] Keypoints, float[] Confidence);

/// <summary>A landmark model's points for one region.</summary>
public sealed record RegionPoints(FaceRegion Region, float[] Keypoints, float[] Confidence);

/// <summary>Milliseconds spent in each stage of the engine, summed over calls (for <c>keypointml bench --photos</c>).</summary>
internal sealed class StageClock
{
    public double Decode, Detect, Crop, Landmarks, DecodeOutput;
    public int Crops;

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="stage"/>; returns now.</summary>
    public long Add(ref double stage, long start)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        stage += (now - start) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        return now;
    }
}
