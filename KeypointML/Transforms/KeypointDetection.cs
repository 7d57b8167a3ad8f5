using KeypointML.Models;
using KeypointML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.DetectKeypoints(TransformsCatalog, KeypointDetectionOptions)"/>.</summary>
public sealed class KeypointDetectionOptions
{
    /// <summary>The exported KeypointML ONNX model.</summary>
    public required string ModelPath { get; set; }
    /// <summary>Input column of image file paths (text).</summary>
    public string ImagePathColumnName { get; set; } = KeypointDefaults.ImagePathColumn;
    /// <summary>Input face box column (float[4] left, top, width, height); null = the model sees the whole image.</summary>
    public string? BoxColumnName { get; set; }
    /// <summary>Output keypoints, float[2K] x0, y0, ... in original image pixels.</summary>
    public string KeypointsColumnName { get; set; } = KeypointDefaults.KeypointsColumn;
    /// <summary>Output per-keypoint confidence (heatmap models only), float[K].</summary>
    public string ConfidenceColumnName { get; set; } = KeypointDefaults.ConfidenceColumn;
    /// <summary>Output crop geometry, float[4].</summary>
    public string GeometryColumnName { get; set; } = KeypointDefaults.CropGeometryColumn;
    /// <summary>Output image size, float[2] width, height.</summary>
    public string ImageSizeColumnName { get; set; } = KeypointDefaults.ImageSizeColumn;
    /// <summary>Output raw model output ([2K] or [K, h, w]).</summary>
    public string ModelOutputColumnName { get; set; } = KeypointDefaults.ModelOutputColumn;
    /// <summary>Grey level outside the image when a crop reaches past it.</summary>
    public byte Fill { get; set; } = KeypointDefaults.CropFill;
    /// <summary>Heatmap sub-cell refinement (heatmap models only).</summary>
    public HeatmapRefinement Refinement { get; set; } = HeatmapRefinement.None;
    /// <summary>CUDA device; null = CPU. See <see cref="KeypointScoringOptions"/>.</summary>
    public int? GpuDeviceId { get; set; }
    /// <summary>Run on CPU when CUDA cannot be used.</summary>
    public bool FallbackToCpu { get; set; } = true;
    /// <summary>ONNX Runtime intra-op threads; null = default.</summary>
    public int? IntraOpNumThreads { get; set; }
    /// <summary>ONNX Runtime inter-op threads; null = default.</summary>
    public int? InterOpNumThreads { get; set; }
    /// <summary>Rows per ONNX Runtime run in <c>Transform</c>; see <see cref="KeypointScoringOptions.BatchSize"/>.</summary>
    public int BatchSize { get; set; } = KeypointDefaults.ScoringBatchSize;
}

/// <summary>
/// The whole chain for one model file: load image -> crop to the face box (when a box column is given; scale and square
/// from the model metadata) -> normalize to the model's input size -> score -> decode to original image pixels.
/// Intermediate images and tensors are dropped, so rows stay small and cursors stream.
/// </summary>
public sealed class KeypointDetectionEstimator : IEstimator<KeypointDetectionTransformer>
{
    internal const string Component = "DetectKeypoints";
    private const string ImageColumn = "__keypointml_detect_image", CroppedColumn = "__keypointml_detect_crop", PixelsColumn = "__keypointml_detect_pixels";
    private readonly KeypointDetectionOptions _options;
    private readonly IEstimator<ITransformer>[] _steps;

    /// <summary>The model file and its metadata.</summary>
    public KeypointModelFile Model { get; }

    internal KeypointDetectionEstimator(TransformsCatalog catalog, KeypointDetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var scoring = new KeypointScoringEstimator(catalog, new KeypointScoringOptions
        {
            ModelPath = options.ModelPath, InputColumnName = PixelsColumn, OutputColumnName = options.ModelOutputColumnName,
            GpuDeviceId = options.GpuDeviceId, FallbackToCpu = options.FallbackToCpu,
            IntraOpNumThreads = options.IntraOpNumThreads, InterOpNumThreads = options.InterOpNumThreads,
            BatchSize = options.BatchSize,
        });
        Model = scoring.Model;
        var m = Model.Metadata;
        IEstimator<ITransformer> decode = m.OutputKind == KeypointOutputKind.Heatmaps
            ? new HeatmapDecodingEstimator(catalog, new HeatmapDecodingOptions
            {
                KeypointCount = m.KeypointCount, HeatmapHeight = m.HeatmapHeight, HeatmapWidth = m.HeatmapWidth,
                InputColumnName = options.ModelOutputColumnName, GeometryColumnName = options.GeometryColumnName,
                OutputColumnName = options.KeypointsColumnName, ConfidenceColumnName = options.ConfidenceColumnName,
                Refinement = options.Refinement,
            })
            : new CoordinateDecodingEstimator(catalog, options.KeypointsColumnName, options.ModelOutputColumnName, options.GeometryColumnName);
        _steps =
        [
            new ImageFileLoadingEstimator(catalog, ImageColumn, options.ImagePathColumnName, options.ImageSizeColumnName),
            new FaceBoxCropEstimator(catalog, new FaceBoxCropOptions
            {
                ImageColumnName = ImageColumn, BoxColumnName = options.BoxColumnName, OutputImageColumnName = CroppedColumn,
                GeometryColumnName = options.GeometryColumnName, Scale = m.CropScale, Square = m.CropSquare, Fill = options.Fill,
            }),
            new GrayscaleNormalizingEstimator(catalog, PixelsColumn, CroppedColumn, m.InputHeight, m.InputWidth),
            scoring,
            decode,
            catalog.DropColumns(ImageColumn, CroppedColumn, PixelsColumn),
        ];
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var step in _steps) shape = step.GetOutputSchema(shape);
        return shape;
    }

    /// <inheritdoc />
    public KeypointDetectionTransformer Fit(IDataView input)
    {
        KeypointDetectionTransformer.Check(input.Schema, _options);
        var chain = new InnerChain();
        foreach (var step in _steps) chain.Then(step);
        return new KeypointDetectionTransformer(chain.Fit(input), _options, Model);
    }
}

/// <summary>The fitted detection chain; see <see cref="KeypointDetectionEstimator"/>.</summary>
public sealed class KeypointDetectionTransformer : ComposedTransformer
{
    private readonly KeypointDetectionOptions _options;

    /// <summary>The model file and its metadata.</summary>
    public KeypointModelFile Model { get; }

    internal KeypointDetectionTransformer(ITransformer inner, KeypointDetectionOptions options, KeypointModelFile model) : base(inner)
    {
        _options = options;
        Model = model;
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema, _options);

    internal static void Check(DataViewSchema schema, KeypointDetectionOptions o)
    {
        SchemaChecks.CheckText(schema, o.ImagePathColumnName, KeypointDetectionEstimator.Component, "image file path");
        if (o.BoxColumnName is { } box)
            SchemaChecks.CheckFloatVector(schema, box, KeypointDetectionEstimator.Component, 4, "left, top, width, height");
    }
}
