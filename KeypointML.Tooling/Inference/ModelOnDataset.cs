using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Geometry;
using KeypointML.Models;
using KeypointML.Codecs;
using KeypointML.Preprocessing;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// A model file run over a dataset through the library's ML.NET pipeline (<c>DetectKeypoints</c> on the dataset's
/// <c>Box</c> column, then <c>EvaluateKeypoints</c>): what evaluate, predict, bench and report share.
/// </summary>
/// <remarks>
/// The face box is always the dataset's <c>Box</c> column, scaled and squared as the model's metadata says. That is
/// right for every dataset: IMM and plain image folders carry the whole image as the box, and the IMM models (crop
/// scale 1, not square) then see exactly the whole image they were trained on; XML and CSV datasets carry real boxes.
/// </remarks>
public sealed class ModelOnDataset : IDisposable
{
    private readonly MLContext _ml;

    private ModelOnDataset(MLContext ml, KeypointModel model, KeypointDataset dataset, string dataSpec, int[]? labelIndices, bool hasTruth, IDataView input, int? limit, ScoringChoices choices)
    {
        _ml = ml;
        Model = model;
        Dataset = dataset;
        DataSpec = dataSpec;
        LabelIndices = labelIndices;
        HasTruth = hasTruth;
        Input = input;
        Limit = limit;
        Refinement = choices.Refinement ?? model.DefaultRefinement;
        ImageNames = DatasetImageNames.For(dataSpec);
        Flip = choices.Flip;
        ShapePrior = choices.ShapePrior;
        Detector = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
        {
            Model = model, BoxColumnName = KeypointColumns.Box, Refinement = choices.Refinement, FlipAveraging = choices.Flip,
            ReducedDecoding = choices.ReducedDecoding, ApplyShapePrior = choices.ShapePrior,
        }).Fit(input);
    }

    /// <summary>The model, opened once for this run (disposed with it).</summary>
    public KeypointModel Model { get; }
    public KeypointDataset Dataset { get; }
    /// <summary>The dataset as the user named it.</summary>
    public string DataSpec { get; }
    /// <summary>The dataset points the model predicts (null: all, in order); see <see cref="LearnedKeypoints"/>.</summary>
    public int[]? LabelIndices { get; }
    /// <summary>Whether the dataset's labels can be compared with the model's points.</summary>
    public bool HasTruth { get; }
    /// <summary>The dataset's rows (the first <see cref="Limit"/>); its <c>Label</c> column holds the model's points when <see cref="HasTruth"/>.</summary>
    public IDataView Input { get; }
    public int? Limit { get; }
    /// <summary>Whether each face is also scored mirrored and the points averaged (test-time flip averaging).</summary>
    public bool Flip { get; }
    /// <summary>Whether the model's shape prior, if it has one, corrects the points.</summary>
    public bool ShapePrior { get; }
    /// <summary>How heatmaps are decoded (ignored by coordinate models).</summary>
    public HeatmapRefinement Refinement { get; }
    public DatasetImageNames ImageNames { get; }
    /// <summary>The fitted ML.NET detection chain.</summary>
    public KeypointDetectionTransformer Detector { get; }

    /// <summary>
    /// Opens the model and the dataset. With <paramref name="requireTruth"/> the dataset must have labels that match the
    /// model's points (evaluation); otherwise labels are used when they match and ignored when they do not.
    /// <paramref name="choices"/> are the scoring options the verbs expose (the library's defaults when null).
    /// </summary>
    public static ModelOnDataset Open(MLContext ml, string modelPath, string dataSpec, bool requireTruth, int? limit = null, ScoringChoices? choices = null)
    {
        if (limit is < 1) throw new ArgumentException($"--limit must be at least 1; got {limit}.");
        var model = KeypointModel.Open(modelPath);
        try { return Open(ml, model, dataSpec, requireTruth, limit, choices); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>As the overload with a path, on a model already opened; the run takes it over (disposes it).</summary>
    public static ModelOnDataset Open(MLContext ml, KeypointModel model, string dataSpec, bool requireTruth, int? limit = null, ScoringChoices? choices = null)
    {
        string modelPath = model.Path;
        var dataset = KeypointDatasets.Load(ml, dataSpec);
        int[]? indices;
        bool hasTruth = true;
        if (requireTruth) indices = LearnedKeypoints.Resolve(model.Metadata, modelPath, dataset.KeypointCount, dataSpec);
        else hasTruth = LearnedKeypoints.TryResolve(model.Metadata, dataset.KeypointCount, out indices);
        IDataView input = limit is int n ? ml.Data.TakeRows(dataset.Data, n) : dataset.Data;
        if (hasTruth && indices is { } selected)
        {
            // A model of a subset of the points (imm-nose): its labels are that subset.
            input = ml.Transforms.CustomMapping<LabelsIn, LabelOut>((i, o) => o.Label = LearnedKeypoints.Select(i.Label, selected), contractName: null)
                .Fit(input).Transform(input);
        }
        return new ModelOnDataset(ml, model, dataset, dataSpec, indices, hasTruth, input, limit, choices ?? new ScoringChoices());
    }

    /// <summary>Number of faces that <see cref="Predict"/> will score (reads the label files, not the images).</summary>
    public int CountFaces()
    {
        int count = Dataset.Rows.Count();
        return Limit is int n ? Math.Min(n, count) : count;
    }

    /// <summary>The pipeline's output: the input columns plus <c>Keypoints</c> (predicted), <c>ImageSize</c>, <c>CropGeometry</c>, ...</summary>
    public IDataView Score() => Detector.Transform(Input);

    /// <summary>Scores every face in dataset order; <paramref name="faceDone"/> is called after each.</summary>
    public IReadOnlyList<FacePrediction> Predict(Action? faceDone = null) => Predict(faceDone, null).Faces;

    /// <summary>Scores the <paramref name="count"/> faces from position <paramref name="start"/> (of <see cref="Input"/>), in order.</summary>
    public IReadOnlyList<FacePrediction> Predict(int start, int count, Action? faceDone = null) =>
        count == 0 ? [] : Predict(faceDone, null, _ml.Data.TakeRows(start == 0 ? Input : _ml.Data.SkipRows(Input, start), count)).Faces;

    /// <summary>The faces the pipeline could not score (their reasons in <see cref="FacePrediction.Error"/>).</summary>
    public static IReadOnlyList<FacePrediction> BadFaces(IEnumerable<FacePrediction> faces) => faces.Where(f => !f.Scored).ToList();

    /// <summary>
    /// Heatmap models: scores every face once and decodes its maps twice, with this run's <see cref="Refinement"/> and
    /// with <paramref name="other"/> (from the pipeline's <c>ModelOutput</c> column, as <c>DecodeKeypointHeatmaps</c>
    /// would), so comparing decodings costs no second pass of the network.
    /// </summary>
    public (IReadOnlyList<FacePrediction> Faces, IReadOnlyList<FacePrediction> Other) PredictBothDecodings(HeatmapRefinement other, Action? faceDone = null)
    {
        if (Model.Metadata.OutputKind != KeypointOutputKind.Heatmaps)
            throw new InvalidOperationException($"{Model.Path} outputs coordinates; only heatmap models have a decoding to choose.");
        var (faces, redecoded) = Predict(faceDone, other);
        return (faces, redecoded!);
    }

    private (List<FacePrediction> Faces, List<FacePrediction>? Other) Predict(Action? faceDone, HeatmapRefinement? other, IDataView? input = null)
    {
        var scored = Detector.Transform(input ?? Input);
        var s = scored.Schema;
        var wanted = new List<DataViewSchema.Column> { s[KeypointColumns.ImagePath], s[KeypointColumns.Box], s[KeypointColumns.ImageSize], s[KeypointColumns.CropGeometry], s[KeypointColumns.Keypoints] };
        if (HasTruth) wanted.Add(s[KeypointColumns.Label]);
        if (other is not null) wanted.Add(s[KeypointColumns.ModelOutput]);
        bool hasConfidence = s.GetColumnOrNull(KeypointColumns.Confidence) is not null;
        if (hasConfidence) wanted.Add(s[KeypointColumns.Confidence]);
        wanted.Add(s[KeypointColumns.Error]);
        var faces = new List<FacePrediction>();
        var redecoded = other is null ? null : new List<FacePrediction>();
        using var cursor = scored.GetRowCursor(wanted);
        var path = cursor.GetGetter<ReadOnlyMemory<char>>(s[KeypointColumns.ImagePath]);
        var box = Vector(cursor, s[KeypointColumns.Box]);
        var size = Vector(cursor, s[KeypointColumns.ImageSize]);
        var geometry = Vector(cursor, s[KeypointColumns.CropGeometry]);
        var keypoints = Vector(cursor, s[KeypointColumns.Keypoints]);
        var truth = HasTruth ? Vector(cursor, s[KeypointColumns.Label]) : null;
        var maps = other is null ? null : Vector(cursor, s[KeypointColumns.ModelOutput]);
        var confidences = hasConfidence ? Vector(cursor, s[KeypointColumns.Confidence]) : null;
        var error = cursor.GetGetter<ReadOnlyMemory<char>>(s[KeypointColumns.Error]);
        ReadOnlyMemory<char> reason = default;
        var m = Model.Metadata;
        var otherCodec = other is { } r ? Model.Codec(r, Flip, ShapePrior) : null;
        var normalized = new float[2 * m.KeypointCount];
        var confidence = new float[m.KeypointCount];
        ReadOnlyMemory<char> p = default;
        while (cursor.MoveNext())
        {
            path(ref p);
            error(ref reason);
            var face = new FacePrediction(p.ToString(), box(), size(), geometry(), truth?.Invoke(), keypoints(), confidences?.Invoke(), reason.ToString());
            faces.Add(face);
            if (maps is not null && !face.Scored) redecoded!.Add(face);
            else if (maps is not null)
            {
                otherCodec!.Decode(maps(), normalized, confidence);
                redecoded!.Add(face with { Keypoints = CropGeometry.FromVector(face.CropGeometry).KeypointsFromNormalized(normalized), Confidence = (float[])confidence.Clone() });
            }
            faceDone?.Invoke();
        }
        return (faces, redecoded);
    }

    /// <summary>
    /// The trivial mean-shape baseline in <see cref="Predict"/>'s form, without running the model: every face gets the
    /// mean shape of the labelled dataset <paramref name="trainSpec"/>, computed as training computes its mean-shape
    /// baseline (the mean over those faces of the model's points in normalized crop coordinates,
    /// <see cref="MeanShape.Of"/>) and mapped back through the face's own crop. Crops are the model's
    /// (<see cref="FacePreprocessing.CropOf"/>): the same geometry the pipeline's <c>CropGeometry</c> column holds. Images
    /// are not decoded; sizes come from their headers.
    /// </summary>
    public MeanShapeBaseline PredictMeanShape(string trainSpec)
    {
        if (!HasTruth) throw new ArgumentException($"dataset '{DataSpec}' has no labels for this model's points.");
        var train = KeypointDatasets.Load(_ml, trainSpec);
        if (train.KeypointCount != Dataset.KeypointCount)
            throw new ArgumentException($"--mean-shape-of '{trainSpec}' labels {train.KeypointCount} point(s) per face but dataset '{DataSpec}' labels {Dataset.KeypointCount}; the mean shape must come from the same point scheme.");
        var trainIndices = LearnedKeypoints.Resolve(Model.Metadata, Model.Path, train.KeypointCount, trainSpec);
        var trainRows = train.Rows.ToList();
        var preprocessing = Model.Preprocessing;
        var meanShape = MeanShape.Of(preprocessing, trainRows, trainIndices);

        var rows = Limit is int n ? Dataset.Rows.Take(n) : Dataset.Rows;
        var faces = rows.Select(sample =>
        {
            var geometry = preprocessing.CropOf(sample.Box);
            return new FacePrediction(sample.ImagePath, sample.Box, [sample.Width, sample.Height], geometry.ToVector(),
                LearnedKeypoints.Select(sample.Keypoints, LabelIndices), geometry.KeypointsFromNormalized(meanShape));
        }).ToList();
        return new MeanShapeBaseline(trainSpec, trainRows.Count, meanShape, faces);
    }

    /// <summary>
    /// The library's <c>EvaluateKeypoints</c> over already scored faces (labels, predictions, boxes, image sizes): the
    /// same numbers as evaluating the pipeline's output directly, without running the model a second time.
    /// </summary>
    public KeypointMetrics Evaluate(IReadOnlyList<FacePrediction> faces) => Accumulate(faces).Metrics();

    /// <summary>The error core over the faces, for both the metrics and each face's NME (the report's CED) from one pass.</summary>
    public KeypointMetricsAccumulator Accumulate(IReadOnlyList<FacePrediction> faces)
    {
        if (!HasTruth) throw new ArgumentException($"dataset '{DataSpec}' has no labels for this model's points.");
        var accumulator = new KeypointMetricsAccumulator(hasBox: true, hasSize: true);
        // Faces the pipeline could not score are not measured; the verbs count and list them.
        foreach (var f in faces.Where(f => f.Scored)) accumulator.Add(f.Truth!, f.Keypoints, f.Box, f.ImageSize, f.Confidence);
        return accumulator;
    }

    /// <summary>Frees the detection chain and the model's session.</summary>
    public void Dispose()
    {
        Detector.Dispose();
        Model.Dispose();
    }

    private static Func<float[]> Vector(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return () =>
        {
            getter(ref buffer);
            return buffer.DenseValues().ToArray();
        };
    }

    private sealed class LabelsIn
    {
        public float[] Label { get; set; } = [];
    }

    private sealed class LabelOut
    {
        public float[] Label { get; set; } = [];
    }
}

/// <summary>What <see cref="ModelOnDataset.PredictMeanShape"/> predicted.</summary>
/// <param name="TrainSpec">The dataset the mean shape was taken over.</param>
/// <param name="TrainFaces">Its number of faces.</param>
/// <param name="MeanShape">The mean shape in normalized crop coordinates (x0, y0, ... of the model's points).</param>
/// <param name="Faces">The evaluated dataset's faces, each predicted as the mean shape in its crop.</param>
public sealed record MeanShapeBaseline(string TrainSpec, int TrainFaces, float[] MeanShape, IReadOnlyList<FacePrediction> Faces);

/// <summary>The scoring options the verbs expose, with the library's defaults.</summary>
/// <param name="Refinement">Heatmap decoder's sub-cell step; null = the model's own (<see cref="KeypointModel.DefaultRefinement"/>).</param>
/// <param name="Flip">Test-time flip averaging (68-point models).</param>
/// <param name="ReducedDecoding">Decode JPEGs at a reduced scale when the crop allows (<see cref="KeypointDetectionOptions.ReducedDecoding"/>).</param>
/// <param name="ShapePrior">Apply the model's shape prior when it has one (<see cref="KeypointDetectionOptions.ApplyShapePrior"/>).</param>
public sealed record ScoringChoices(HeatmapRefinement? Refinement = null, bool Flip = false, bool ReducedDecoding = KeypointDefaults.ReducedDecoding,
    bool ShapePrior = KeypointDefaults.ApplyShapePrior);
