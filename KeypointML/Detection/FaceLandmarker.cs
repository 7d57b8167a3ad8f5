using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Detection;

/// <summary>One face found in an image and, when a landmark model ran, its points (all in pixels of the image).</summary>
/// <param name="ImagePath">Absolute path of the image.</param>
/// <param name="FaceIndex">0 = the best-scored face of its image.</param>
/// <param name="Score">The detector's score.</param>
/// <param name="DetectorBox">The detector's box (left, top, width, height).</param>
/// <param name="Box">The box given to the landmark model (the detector box mapped to its convention; or the second pass's box).</param>
/// <param name="Keypoints">The predicted points x0, y0, ... (empty without a landmark model).</param>
/// <param name="Confidence">Per-point confidence (empty for coordinate models or without a landmark model).</param>
public sealed record FoundFace(string ImagePath, int FaceIndex, float Score, float[] DetectorBox, float[] Box, float[] Keypoints, float[] Confidence);

/// <summary>
/// Photos in, every face's points out, in one call: <c>Find(paths)</c> or <c>Find(path)</c>. Built on the library's ML.NET
/// components, not beside them: <c>DetectFaces</c> -> <c>ExpandFaces</c> (the detector's box mapped to the landmark
/// model's box convention, <see cref="BoxMap"/>) -> <c>DetectKeypoints</c>. With <see cref="Passes"/> 2 each face is
/// cropped again around its first-pass points and scored once more (measured: no gain on 300-W, twice the cost).
/// </summary>
/// <remarks>
/// <para>The simplest use: <c>using var landmarker = FaceLandmarker.Open();</c> (the shipped <c>ibug68-heatmap</c> and
/// <c>blazeface-front</c>, from their packages KeypointML.Models.NAME) then <c>landmarker.Detect("photo.jpg")</c>: typed
/// <see cref="Face"/>s with a box, a score and named <see cref="Landmark"/>s. <see cref="Find(string)"/> gives the same faces
/// as flat vectors, as the ML.NET columns hold them.</para>
/// <para>Thread-safe: every call builds its own ML.NET pipeline (a fresh <see cref="MLContext"/>, since one context is not
/// meant for concurrent use) over the shared models, whose ONNX Runtime sessions run concurrently. Models given to the
/// constructor stay the caller's; those <see cref="Open"/> opened are freed by <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class FaceLandmarker : IDisposable
{
    // Each call's pipeline context; no component here draws random numbers, the seed only makes that explicit.
    private const int Seed = 0;
    private readonly bool _ownsModels;

    /// <param name="detector">The face detector (e.g. <c>ShippedModels.Path("blazeface-front")</c>).</param>
    /// <param name="landmarks">The landmark model; null = faces only.</param>
    public FaceLandmarker(FaceDetectorModel detector, KeypointModel? landmarks = null) : this(detector, landmarks, ownsModels: false)
    {
    }

    private FaceLandmarker(FaceDetectorModel detector, KeypointModel? landmarks, bool ownsModels)
    {
        Detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Landmarks = landmarks;
        _ownsModels = ownsModels;
    }

    /// <summary>Opens a landmark model and a face detector, each a shipped model's name (<see cref="ShippedModels"/>) or
    /// a file path; the landmarker owns them (dispose it).</summary>
    public static FaceLandmarker Open(string landmarks = "ibug68-heatmap", string detector = "blazeface-front", KeypointModelOptions? options = null)
    {
        static string Resolve(string nameOrPath) => File.Exists(nameOrPath) ? nameOrPath : ShippedModels.Path(nameOrPath);
        var faces = FaceDetectorModel.Open(Resolve(detector), options);
        try { return new FaceLandmarker(faces, KeypointModel.Open(Resolve(landmarks), options), ownsModels: true); }
        catch
        {
            faces.Dispose();
            throw;
        }
    }

    /// <summary>Frees the models when <see cref="Open"/> opened them.</summary>
    public void Dispose()
    {
        if (!_ownsModels) return;
        Detector.Dispose();
        Landmarks?.Dispose();
    }

    /// <summary>Every face of an image file, best score first, with named landmarks. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(string imagePath) => Typed(Find(imagePath));

    /// <summary>Every face of each image file, in image order (each image's faces best first). Thread-safe.</summary>
    public IReadOnlyList<IReadOnlyList<Face>> Detect(IEnumerable<string> imagePaths)
    {
        var paths = imagePaths.ToList();
        // Each distinct file is scored once; a path given twice gets the same faces twice.
        var byPath = Find(paths.Distinct()).GroupBy(f => f.ImagePath).ToDictionary(g => g.Key, g => g.ToList());
        return [.. paths.Select(p => Typed(byPath.GetValueOrDefault(p) ?? []))];
    }

    /// <summary>Every face of an encoded image (JPEG, PNG, ...) read from <paramref name="image"/>. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(Stream image) => Typed(Find(image));

    /// <summary>Every face of an encoded image held in memory. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(ReadOnlySpan<byte> image)
    {
        using var stream = new MemoryStream(image.ToArray(), writable: false);
        return Detect(stream);
    }

    /// <summary><see cref="Detect(string)"/> on the thread pool.</summary>
    public Task<IReadOnlyList<Face>> DetectAsync(string imagePath, CancellationToken cancellationToken = default) =>
        Task.Run(() => Detect(imagePath), cancellationToken);

    /// <summary><see cref="Detect(Stream)"/> on the thread pool, after reading the stream asynchronously.</summary>
    public async Task<IReadOnlyList<Face>> DetectAsync(Stream image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var buffer = new MemoryStream();
        await image.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return await Task.Run(() => Detect(buffer), cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<Face> Typed(List<FoundFace> found)
    {
        var names = Landmarks is null ? [] : Geometry.LandmarkNames.For(Landmarks.Metadata.KeypointCount);
        return [.. found.Select(f => new Face(f.FaceIndex, f.Score, FaceBox.Of(f.DetectorBox),
            [.. Enumerable.Range(0, f.Keypoints.Length / 2).Select(i => new Landmark(names[i], f.Keypoints[2 * i], f.Keypoints[2 * i + 1],
                f.Confidence.Length > i ? f.Confidence[i] : 1f))]))];
    }

    /// <summary>The face detector.</summary>
    public FaceDetectorModel Detector { get; }
    /// <summary>The landmark model, or null.</summary>
    public KeypointModel? Landmarks { get; }
    /// <summary>Detection thresholds.</summary>
    public FaceDetectionOptions Detection { get; init; } = new();
    /// <summary>Detector box -> the landmark model's box convention (default: fitted for BlazeFace front -> 300-W).</summary>
    public FaceBoxMap BoxMap { get; init; } = FaceBoxMap.BlazeFaceFrontTo300W;
    /// <summary>Heatmap decoding.</summary>
    public HeatmapRefinement? Refinement { get; init; }
    /// <summary>Test-time flip averaging of the landmark model (68 points; twice its cost).</summary>
    public bool FlipAveraging { get; init; }
    /// <summary>1: the detector's (mapped) box; 2: then again around the first pass's points.</summary>
    public int Passes { get; init; } = 1;
    /// <summary>Second pass: how the landmarks' bounding box becomes a 300-W-style box.</summary>
    public FaceBoxMap LandmarkBoxMap { get; init; } = FaceBoxMap.LandmarksTo300W;

    /// <summary>Every face of one image file, best score first.</summary>
    public List<FoundFace> Find(string imagePath) => Find([imagePath]);

    /// <summary>Every face of an encoded image (JPEG, PNG, ...) read from <paramref name="image"/>, best score first; the
    /// faces' <c>ImagePath</c> is empty. (The components read files, so the bytes go through a temporary file.)</summary>
    public List<FoundFace> Find(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var temporary = Path.Combine(Path.GetTempPath(), $"keypointml-{Guid.NewGuid():N}.img");
        try
        {
            using (var file = File.Create(temporary)) image.CopyTo(file);
            return Find(temporary).Select(f => f with { ImagePath = "" }).ToList();
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    /// <summary>Every face of every image (in image order, faces by score), with points when a landmark model is given.</summary>
    public List<FoundFace> Find(IEnumerable<string> imagePaths)
    {
        var paths = imagePaths.ToList();
        var ml = new MLContext(Seed);
        var images = ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }));
        using var detect = ml.Transforms.DetectFaces(new FaceDetectingOptions { Detector = Detector, Detection = Detection }).Fit(images);
        var faces = detect.Transform(images);
        var perFace = ml.Transforms.ExpandFaces(new FaceExpandingOptions { BoxMap = BoxMap }).Fit(faces).Transform(faces);
        var found = Read(perFace);
        if (Landmarks is null) return found;
        var scored = Score(ml, found);
        for (int pass = 2; pass <= Passes; pass++)
            scored = Score(ml, scored.Select(f => f with { Box = LandmarkBoxMap.Apply(KeypointBoxes.Of(f.Keypoints)) }).ToList());
        return scored;
    }

    // DetectKeypoints over the faces' boxes.
    private List<FoundFace> Score(MLContext ml, List<FoundFace> faces)
    {
        if (faces.Count == 0) return faces;
        var rows = ml.Data.LoadFromEnumerable(faces.Select(f => new BoxRow { ImagePath = f.ImagePath, Box = f.Box }));
        using var detector = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { Model = Landmarks, BoxColumnName = KeypointColumns.Box, Refinement = Refinement, FlipAveraging = FlipAveraging }).Fit(rows);
        var scored = detector.Transform(rows);
        var keypoints = KeypointDataViews.ReadFloatVectors(scored, KeypointColumns.Keypoints);
        var confidence = scored.Schema.GetColumnOrNull(KeypointColumns.Confidence) is null ? null : KeypointDataViews.ReadFloatVectors(scored, KeypointColumns.Confidence);
        return faces.Select((f, i) => f with { Keypoints = keypoints[i], Confidence = confidence?[i] ?? [] }).ToList();
    }

    private static List<FoundFace> Read(IDataView perFace)
    {
        var s = perFace.Schema;
        var result = new List<FoundFace>();
        using var cursor = perFace.GetRowCursor([s[KeypointColumns.ImagePath], s[KeypointColumns.FaceIndex], s[KeypointColumns.FaceScore], s[KeypointColumns.DetectorBox], s[KeypointColumns.Box]]);
        var path = cursor.GetGetter<ReadOnlyMemory<char>>(s[KeypointColumns.ImagePath]);
        var index = cursor.GetGetter<int>(s[KeypointColumns.FaceIndex]);
        var score = cursor.GetGetter<float>(s[KeypointColumns.FaceScore]);
        var detectorBox = cursor.GetGetter<VBuffer<float>>(s[KeypointColumns.DetectorBox]);
        var box = cursor.GetGetter<VBuffer<float>>(s[KeypointColumns.Box]);
        ReadOnlyMemory<char> p = default; int i = 0; float sc = 0; VBuffer<float> db = default, b = default;
        while (cursor.MoveNext())
        {
            path(ref p); index(ref i); score(ref sc); detectorBox(ref db); box(ref b);
            result.Add(new FoundFace(p.ToString(), i, sc, db.DenseValues().ToArray(), b.DenseValues().ToArray(), [], []));
        }
        return result;
    }

    private sealed class BoxRow
    {
        public string ImagePath { get; set; } = "";
        [VectorType(4)] public float[] Box { get; set; } = [];
    }
}

/// <summary>Box helpers on (left, top, width, height) boxes.</summary>
public static class KeypointBoxes
{
    /// <summary>The bounding box of points x0, y0, x1, y1, ...</summary>
    public static float[] Of(ReadOnlySpan<float> points)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        for (int k = 0; k + 1 < points.Length; k += 2)
        {
            x0 = MathF.Min(x0, points[k]); x1 = MathF.Max(x1, points[k]);
            y0 = MathF.Min(y0, points[k + 1]); y1 = MathF.Max(y1, points[k + 1]);
        }
        return [x0, y0, x1 - x0, y1 - y0];
    }

    /// <summary>The candidate whose box overlaps <paramref name="target"/> most, and that overlap (IoU); (default, 0) when
    /// there is no candidate. Each candidate's box is taken once.</summary>
    public static (T? Best, float Iou) BestMatch<T>(IEnumerable<T>? candidates, Func<T, float[]> box, ReadOnlySpan<float> target)
    {
        T? best = default;
        float bestIou = 0;
        bool any = false;
        foreach (var c in candidates ?? [])
        {
            float iou = Iou(box(c), target);
            if (!any || iou > bestIou) { best = c; bestIou = iou; any = true; }
        }
        return (best, bestIou);
    }

    /// <summary>Intersection over union of two boxes (left, top, width, height).</summary>
    public static float Iou(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float w = MathF.Min(a[0] + a[2], b[0] + b[2]) - MathF.Max(a[0], b[0]);
        float h = MathF.Min(a[1] + a[3], b[1] + b[3]) - MathF.Max(a[1], b[1]);
        if (!(w > 0 && h > 0)) return 0;
        float inter = w * h;
        return inter / (a[2] * a[3] + b[2] * b[3] - inter);
    }
}
