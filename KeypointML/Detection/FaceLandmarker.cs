using KeypointML.Codecs;
using KeypointML.Engine;
using KeypointML.Imaging;
using KeypointML.Models;

namespace KeypointML.Detection;

/// <summary>One face found in an image and, when a landmark model ran, its points (all in pixels of the image).</summary>
/// <param name="ImagePath">Absolute path of the image (empty for an image given as bytes, a stream or pixels).</param>
/// <param name="FaceIndex">0 = the best-scored face of its image.</param>
/// <param name="Score">The detector's score.</param>
/// <param name="DetectorBox">The detector's box (left, top, width, height).</param>
/// <param name="Box">The box given to the landmark model (the detector box mapped to its convention; for a turned face the
/// upright box that holds the turned one, see <see cref="Region"/>).</param>
/// <param name="Keypoints">The predicted points x0, y0, ... (empty without a landmark model).</param>
/// <param name="Confidence">Per-point confidence (empty for coordinate models or without a landmark model).</param>
public sealed record FoundFace(string ImagePath, int FaceIndex, float Score, float[] DetectorBox, float[] Box, float[] Keypoints, float[] Confidence)
{
    /// <summary>The region the landmark model was given: the 300-W-convention box in the face's frame and the face's roll.</summary>
    public FaceRegion Region { get; init; }
    /// <summary>The detector's own points (YuNet: the subject's right eye, left eye, nose tip, right and left mouth corners).</summary>
    public float[] DetectorKeypoints { get; init; } = [];
    /// <summary>Yaw, pitch and roll of the head (68-point models; null otherwise).</summary>
    public Analysis.HeadPose? Pose { get; init; }
    /// <summary>Eye and mouth aspect ratios (68-point models; null otherwise).</summary>
    public Analysis.FaceOpenness? Openness { get; init; }

    internal static FoundFace From(string imagePath, EngineFace f, int imageWidth, int imageHeight)
    {
        bool ibug = f.Keypoints.Length == 136 && f.Keypoints.All(float.IsFinite);
        return new(imagePath, f.Index, f.Score, f.DetectorBox, f.Region.Roll == 0 ? f.Region.UprightBox() : f.Region.BoundingBox(), f.Keypoints, f.Confidence)
        {
            Region = f.Region, DetectorKeypoints = f.DetectorKeypoints,
            Pose = ibug ? Analysis.HeadPose.Of(f.Keypoints, imageWidth, imageHeight) : null,
            Openness = ibug ? Analysis.FaceOpenness.Of(f.Keypoints) : null,
        };
    }
}

/// <summary>
/// Photos in, every face's points out, in one call. A thin door onto <see cref="FaceEngine"/>: it decodes the image once
/// (EXIF applied) into pooled pixels, or reads the caller's decoded pixels in place, and runs the engine.
/// </summary>
/// <remarks>
/// <para>The simplest use: <c>using var landmarker = FaceLandmarker.Open();</c> (the shipped landmark model and the
/// <c>yunet</c> detector, from their packages KeypointML.Models.NAME, and <c>ibug68-small</c> for small faces when its
/// package is referenced) then <c>landmarker.Detect("photo.jpg")</c>: typed
/// <see cref="Face"/>s with a box, a score and named <see cref="Landmark"/>s. <see cref="Find(string)"/> gives the same faces
/// as flat vectors, as the ML.NET columns hold them.</para>
/// <para>Thread-safe: the engine holds only the models (whose ONNX Runtime sessions run concurrently) and immutable
/// settings. Models given to the constructor stay the caller's; those <see cref="Open"/> opened are freed by
/// <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class FaceLandmarker : IDisposable
{
    private readonly bool _ownsModels;
    private readonly Lazy<FaceEngine> _engine;

    /// <param name="detector">The face detector (e.g. <c>FaceDetectors.Open(ShippedModels.Path("yunet"))</c>).</param>
    /// <param name="landmarks">The landmark model; null = faces only.</param>
    /// <param name="smallFaceLandmarks">A model with the same points for faces narrower than <see cref="SmallFaceWidth"/>
    /// (e.g. <c>ibug68-small</c>); null = the landmark model for every face.</param>
    public FaceLandmarker(IFaceDetector detector, KeypointModel? landmarks = null, KeypointModel? smallFaceLandmarks = null)
        : this(detector, landmarks, smallFaceLandmarks, ownsModels: false)
    {
    }

    private FaceLandmarker(IFaceDetector detector, KeypointModel? landmarks, KeypointModel? smallFaceLandmarks, bool ownsModels)
    {
        Detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Landmarks = landmarks;
        SmallFaceLandmarks = smallFaceLandmarks;
        _ownsModels = ownsModels;
        // Built on first use, after the init-only settings are in.
        _engine = new Lazy<FaceEngine>(() =>
        {
            var regions = FaceEngineDefaults.RegionsFor(Detector);
            return new FaceEngine(Detector, Landmarks, new FaceEngineOptions
            {
                Detection = Detection, Refinement = Refinement, FlipAveraging = FlipAveraging, Passes = Passes, LandmarkBoxMap = LandmarkBoxMap,
                Regions = regions with { BoxMap = BoxMap ?? regions.BoxMap, MinRoll = MinRollDegrees * MathF.PI / 180 },
                SmallFaceWidth = SmallFaceWidth,
            }, SmallFaceLandmarks);
        });
    }

    /// <summary>The default landmark model of <see cref="Open"/>.</summary>
    public const string DefaultLandmarks = "ibug68-heatmap-int8";
    /// <summary>The default face detector of <see cref="Open"/>.</summary>
    public const string DefaultDetector = "yunet";

    /// <summary>The small-face model of <see cref="Open"/> for 68-point landmark models.</summary>
    public const string DefaultSmallFaces = FaceEngineDefaults.SmallFaceModel;

    /// <summary>Opens a landmark model and a face detector, each a shipped model's name (<see cref="ShippedModels"/>) or
    /// a file path; the landmarker owns them (dispose it).</summary>
    /// <param name="landmarks">The landmark model.</param>
    /// <param name="detector">The face detector.</param>
    /// <param name="options">ONNX Runtime settings of every model opened.</param>
    /// <param name="smallFaces">The model for faces narrower than <see cref="SmallFaceWidth"/> when the landmark model gives
    /// 68 points (null: none). The default, <c>ibug68-small</c>, is used when its package (or <c>KEYPOINTML_MODELS</c>)
    /// provides it and left out otherwise; any other name that is not found is an error.</param>
    public static FaceLandmarker Open(string landmarks = DefaultLandmarks, string detector = DefaultDetector, KeypointModelOptions? options = null, string? smallFaces = DefaultSmallFaces)
    {
        static string Resolve(string nameOrPath) => File.Exists(nameOrPath) ? nameOrPath : ShippedModels.Path(nameOrPath);
        var opened = new List<IDisposable>();
        try
        {
            var faces = FaceDetectors.Open(Resolve(detector), options);
            opened.Add(faces);
            var model = KeypointModel.Open(Resolve(landmarks), options);
            opened.Add(model);
            KeypointModel? small = null;
            if (FaceEngineDefaults.UsesSmallFaceModel(smallFaces, model.Metadata.KeypointCount, ShippedModels.Names.Contains))
                opened.Add(small = KeypointModel.Open(Resolve(smallFaces!), options));
            return new FaceLandmarker(faces, model, small, ownsModels: true);
        }
        catch
        {
            foreach (var model in opened) model.Dispose();
            throw;
        }
    }

    /// <summary>Frees the models when <see cref="Open"/> opened them.</summary>
    public void Dispose()
    {
        if (!_ownsModels) return;
        Detector.Dispose();
        Landmarks?.Dispose();
        SmallFaceLandmarks?.Dispose();
    }

    /// <summary>The engine every call runs.</summary>
    public FaceEngine Engine => _engine.Value;

    /// <summary>Every face of an image file, best score first, with named landmarks. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(string imagePath) => Typed(Find(imagePath));

    /// <summary>Every face of each image file, in image order (each image's faces best first). Thread-safe.</summary>
    public IReadOnlyList<IReadOnlyList<Face>> Detect(IEnumerable<string> imagePaths) => [.. imagePaths.Select(Detect)];

    /// <summary>Every face of an encoded image (JPEG, PNG, ...) read from <paramref name="image"/>. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(Stream image) => Typed(Find(image));

    /// <summary>Every face of an encoded image held in memory. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(ReadOnlySpan<byte> image) => Typed(Find(image));

    /// <summary>Every face of a decoded image (a camera or video frame, an <c>SKBitmap</c>, an ImageSharp image, an OpenCV
    /// <c>Mat</c>), read in place. Thread-safe.</summary>
    public IReadOnlyList<Face> Detect(ImagePixels image) => Typed(Find(image));

    /// <summary><see cref="Detect(string)"/> on the thread pool.</summary>
    public Task<IReadOnlyList<Face>> DetectAsync(string imagePath, CancellationToken cancellationToken = default) =>
        Task.Run(() => Detect(imagePath), cancellationToken);

    /// <summary><see cref="Detect(Stream)"/> on the thread pool, after reading the stream asynchronously.</summary>
    public async Task<IReadOnlyList<Face>> DetectAsync(Stream image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var buffer = new MemoryStream();
        await image.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Detect(new ReadOnlySpan<byte>(buffer.GetBuffer(), 0, (int)buffer.Length)), cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<Face> Typed(List<FoundFace> found)
    {
        var names = Landmarks is null ? [] : Geometry.LandmarkNames.For(Landmarks.Metadata.KeypointCount);
        return [.. found.Select(f => new Face(f.FaceIndex, f.Score, FaceBox.Of(f.DetectorBox),
            [.. Enumerable.Range(0, f.Keypoints.Length / 2).Select(i => new Landmark(names[i], f.Keypoints[2 * i], f.Keypoints[2 * i + 1],
                f.Confidence.Length > i ? f.Confidence[i] : 1f))]) { Region = f.Region, Pose = f.Pose, Openness = f.Openness })];
    }

    /// <summary>The face detector.</summary>
    public IFaceDetector Detector { get; }
    /// <summary>The landmark model, or null.</summary>
    public KeypointModel? Landmarks { get; }
    /// <summary>The landmark model of faces narrower than <see cref="SmallFaceWidth"/>, or null (the landmark model for all).</summary>
    public KeypointModel? SmallFaceLandmarks { get; }
    /// <summary>Faces whose 300-W box is narrower than this many pixels get <see cref="SmallFaceLandmarks"/> (about 1.6 times
    /// the distance between the outer eye corners).</summary>
    public float SmallFaceWidth { get; init; } = FaceEngineDefaults.SmallFaceWidth;
    /// <summary>Detection thresholds and the smallest face searched for.</summary>
    public FaceDetectionOptions Detection { get; init; } = new();
    /// <summary>Detector box -> the landmark model's box convention; null = the map fitted for the detector.</summary>
    public FaceBoxMap? BoxMap { get; init; }
    /// <summary>Heads rolled less than this (degrees, from the detector's eye points) are cropped upright; more, the crop
    /// turns with the head. <see cref="float.PositiveInfinity"/> never turns a crop.</summary>
    public float MinRollDegrees { get; init; } = FaceEngineDefaults.MinRollDegrees;
    /// <summary>Heatmap decoding.</summary>
    public HeatmapRefinement? Refinement { get; init; }
    /// <summary>Test-time flip averaging of the landmark model (68 points; twice its cost).</summary>
    public bool FlipAveraging { get; init; }
    /// <summary>1: the detector's (mapped) box; 2: then again around the first pass's points.</summary>
    public int Passes { get; init; } = 1;
    /// <summary>Second pass: how the landmarks' bounding box becomes a 300-W-style box.</summary>
    public FaceBoxMap LandmarkBoxMap { get; init; } = FaceBoxMap.LandmarksTo300W;

    /// <summary>Every face of one image file, best score first. Errors name the file and what is wrong with it.</summary>
    public List<FoundFace> Find(string imagePath)
    {
        using var pixels = ImageFileReader.ReadPixels(imagePath, static (_, _) => 1);
        return Find(pixels, imagePath);
    }

    /// <summary>Every face of an encoded image (JPEG, PNG, ...) read from <paramref name="image"/>, best score first; the
    /// faces' <c>ImagePath</c> is empty.</summary>
    public List<FoundFace> Find(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image is MemoryStream memory && memory.TryGetBuffer(out var segment))
            return Find(segment.AsSpan((int)memory.Position));
        using var copy = new MemoryStream();
        image.CopyTo(copy);
        return Find(new ReadOnlySpan<byte>(copy.GetBuffer(), 0, (int)copy.Length));
    }

    /// <summary>Every face of an encoded image held in memory, best score first.</summary>
    public List<FoundFace> Find(ReadOnlySpan<byte> image)
    {
        using var pixels = ImageFileReader.ReadPixels(image, "the encoded image", static (_, _) => 1);
        return Find(pixels, "");
    }

    /// <summary>Every face of a decoded image, read in place, best score first.</summary>
    public List<FoundFace> Find(ImagePixels image) => Found(image, "");

    /// <summary>Every face of every image file (in image order, faces by score).</summary>
    public List<FoundFace> Find(IEnumerable<string> imagePaths) => [.. imagePaths.SelectMany(Find)];

    private List<FoundFace> Find(DecodedPixels pixels, string imagePath) => Found(pixels.Image, imagePath);

    private List<FoundFace> Found(ImagePixels image, string imagePath)
    {
        int w = image.Width, h = image.Height;
        return [.. Engine.Run(image).Select(f => FoundFace.From(imagePath, f, w, h))];
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
