using KeypointML.Detection;
using KeypointML.Imaging;
using KeypointML.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.DetectFaces(TransformsCatalog, FaceDetectingOptions)"/>.</summary>
public sealed class FaceDetectingOptions
{
    /// <summary>The face detector ONNX file (or give an opened <see cref="Detector"/>), e.g. <c>ShippedModels.Path("blazeface-front")</c>.</summary>
    public string? DetectorPath { get; set; }
    /// <summary>An opened detector to share; the caller disposes it.</summary>
    public IFaceDetector? Detector { get; set; }
    /// <summary>Input column of image file paths (text).</summary>
    public string ImagePathColumnName { get; set; } = KeypointColumns.ImagePath;
    /// <summary>Thresholds and limits of the detection.</summary>
    public FaceDetectionOptions Detection { get; set; } = new();
    /// <summary>Output: number of faces found (Int32).</summary>
    public string FaceCountColumnName { get; set; } = KeypointColumns.FaceCount;
    /// <summary>Output: the faces' boxes, float[4N] (left, top, width, height per face, best score first).</summary>
    public string FaceBoxesColumnName { get; set; } = KeypointColumns.FaceBoxes;
    /// <summary>Output: the faces' scores, float[N].</summary>
    public string FaceScoresColumnName { get; set; } = KeypointColumns.FaceScores;
    /// <summary>Output: the detector's own keypoints, float[12N] (6 points per face, see <see cref="DetectedFace"/>).</summary>
    public string FaceKeypointsColumnName { get; set; } = KeypointColumns.FaceKeypoints;
    /// <summary>Output: image size, float[2] width, height.</summary>
    public string ImageSizeColumnName { get; set; } = KeypointColumns.ImageSize;
}

/// <summary>
/// Image path -> every face in the image: count, boxes, scores and the detector's keypoints, as vectors on the image's
/// row (one row per image; <c>ExpandFaces</c> turns them into one row per face). An image with no face gets count 0
/// and empty vectors, not an error. The faces are those <see cref="Engine.FaceEngine.Run(Engine.ImagePixels)"/> finds:
/// this column runs the engine's detection stage on the image ML.NET's loader decoded.
/// </summary>
/// <remarks>Not saveable with <c>mlContext.Model.Save</c>: its mapping runs the detector's session, which a CustomMapping
/// factory cannot carry (ML.NET persists only a contract name). Build it again from the detector file instead.</remarks>
public sealed class FaceDetectingEstimator : IEstimator<FaceDetectingTransformer>
{
    internal const string Component = "DetectFaces";
    private const string ImageColumn = "__keypointml_faces_image";
    private readonly TransformsCatalog _catalog;
    private readonly FaceDetectingOptions _options;
    private readonly IFaceDetector _detector;
    private readonly bool _ownsDetector;

    internal FaceDetectingEstimator(TransformsCatalog catalog, FaceDetectingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Detection.Validate();
        _catalog = catalog;
        _options = options;
        if (options.Detector is { } shared) _detector = shared;
        else if (!string.IsNullOrWhiteSpace(options.DetectorPath))
        {
            _detector = FaceDetectors.Open(options.DetectorPath, ContextSettings.WithContextDevice(catalog, new KeypointModelOptions()));
            _ownsDetector = true;
        }
        else throw new ArgumentException($"{Component}: give DetectorPath or Detector.", nameof(options));
        ContextSettings.LogDevice(catalog, Component, Path.GetFileName(_detector.Path), _detector.Device);
    }

    /// <summary>The detector.</summary>
    public IFaceDetector Detector => _detector;

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckText(inputSchema, _options.ImagePathColumnName, Component, "image file path");
        var o = _options;
        var added = new[] { o.FaceBoxesColumnName, o.FaceScoresColumnName, o.FaceKeypointsColumnName }
            .Select(n => OutputShapes.FloatVector(_catalog, n, 0)).Append(OutputShapes.FloatVector(_catalog, o.ImageSizeColumnName, 2)).ToList();
        var count = _catalog.CustomMapping<PersistedParameters.NoInput, CountRow>(static (_, _) => { }, null).GetOutputSchema(new SchemaShape([]))
            .Single(c => c.Name == nameof(CountRow.FaceCount));
        var shape = OutputShapes.With(inputSchema, [.. added]);
        return OutputShapes.With(shape, OutputShapes.Copy(_catalog, OutputShapes.With(shape, count), nameof(CountRow.FaceCount), o.FaceCountColumnName));
    }

    /// <inheritdoc />
    public FaceDetectingTransformer Fit(IDataView input)
    {
        SchemaChecks.CheckText(input.Schema, _options.ImagePathColumnName, Component, "image file path");
        // The engine without a landmark model: its detection stage, as FaceLandmarker and the tools run it.
        var engine = new Engine.FaceEngine(_detector, null, new Engine.FaceEngineOptions { Detection = _options.Detection });
        var o = _options;
        var chain = new InnerChain()
            .Then(new ImageFileLoadingEstimator(_catalog, ImageColumn, o.ImagePathColumnName, o.ImageSizeColumnName))
            .Then(_catalog.CustomMapping<ImageRow, FacesRow>((row, faces) =>
            {
                var image = row.Image ?? throw new InvalidOperationException($"{Component}: a row has no image.");
                IReadOnlyList<Engine.EngineFace> found;
                // The pixels are the MLImage's native memory: the image must stay alive while the detector reads them.
                try { found = engine.Run(new Engine.ImagePixels(image.Pixels, image.Width, image.Height, ImagePixelFormat(image))); }
                catch (ArgumentException e) { throw new InvalidDataException($"{Component}: image '{image.Tag}' cannot be searched for faces: {e.Message}", e); }
                finally { GC.KeepAlive(image); }
                faces.Count = found.Count;
                faces.Boxes = found.SelectMany(f => f.DetectorBox).ToArray();
                faces.Scores = found.Select(f => f.Score).ToArray();
                faces.Keypoints = found.SelectMany(f => f.DetectorKeypoints).ToArray();
            }, contractName: null))
            .Then(_catalog.CopyColumns(o.FaceCountColumnName, FacesRow.CountColumn))
            .Then(_catalog.CopyColumns(o.FaceBoxesColumnName, FacesRow.BoxesColumn))
            .Then(_catalog.CopyColumns(o.FaceScoresColumnName, FacesRow.ScoresColumn))
            .Then(_catalog.CopyColumns(o.FaceKeypointsColumnName, FacesRow.KeypointsColumn))
            .Then(_catalog.DropColumns(ImageColumn, FacesRow.CountColumn, FacesRow.BoxesColumn, FacesRow.ScoresColumn, FacesRow.KeypointsColumn));
        return new FaceDetectingTransformer(chain.Fit(input), _options, _ownsDetector ? _detector : null);
    }

    // An MLImage's pixels as the detectors read them (ImageAnalytics decodes to 32-bit BGRA or RGBA).
    private static Engine.PixelFormat ImagePixelFormat(MLImage image) => image.PixelFormat switch
    {
        MLPixelFormat.Bgra32 => Engine.PixelFormat.Bgra32,
        MLPixelFormat.Rgba32 => Engine.PixelFormat.Rgba32,
        var other => throw new ArgumentException($"unsupported pixel format {other}"),
    };

    internal sealed class ImageRow
    {
        [ColumnName(ImageColumn), AnySizeImageType] public MLImage? Image { get; set; }
    }

    internal sealed class FacesRow
    {
        internal const string CountColumn = "__keypointml_face_count", BoxesColumn = "__keypointml_face_boxes",
            ScoresColumn = "__keypointml_face_scores", KeypointsColumn = "__keypointml_face_keypoints";
        [ColumnName(CountColumn)] public int Count { get; set; }
        [ColumnName(BoxesColumn)] public float[] Boxes { get; set; } = [];
        [ColumnName(ScoresColumn)] public float[] Scores { get; set; } = [];
        [ColumnName(KeypointsColumn)] public float[] Keypoints { get; set; } = [];
    }

    internal sealed class CountRow
    {
        public int FaceCount { get; set; }
    }
}

/// <summary>The fitted face detection; see <see cref="FaceDetectingEstimator"/>.</summary>
public sealed class FaceDetectingTransformer : ComposedTransformer
{
    private readonly FaceDetectingOptions _options;
    private readonly IFaceDetector? _owned;

    internal FaceDetectingTransformer(ITransformer inner, FaceDetectingOptions options, IFaceDetector? owned) : base(inner)
    {
        _options = options;
        _owned = owned;
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) =>
        SchemaChecks.CheckText(inputSchema, _options.ImagePathColumnName, FaceDetectingEstimator.Component, "image file path");

    private protected override ITransformer ForSaving() => throw new NotSupportedException(
        $"{FaceDetectingEstimator.Component} cannot be saved with mlContext.Model.Save: it runs the face detector's ONNX Runtime session, " +
        "which ML.NET's public persistence routes cannot carry. Save the pipeline after it (DetectKeypoints saves), or build DetectFaces again from the detector file.");

    /// <summary>Frees the detector when this transformer's estimator opened it.</summary>
    public override void Dispose()
    {
        base.Dispose();
        _owned?.Dispose();
    }
}
