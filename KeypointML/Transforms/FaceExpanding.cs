using KeypointML.Detection;
using KeypointML.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>Options of <see cref="KeypointCatalog.ExpandFaces(TransformsCatalog, FaceExpandingOptions)"/>.</summary>
public sealed class FaceExpandingOptions
{
    /// <summary>Detector box -> the 300-W box the 68-point models expect; null (the default) = the engine's fitted map
    /// for the detector that wrote the faces, told by its points per face (<see cref="Engine.FaceEngineDefaults.BoxMapFor(int)"/>:
    /// 5 for yunet, 6 for blazeface-front).</summary>
    public FaceBoxMap? BoxMap { get; set; }
    /// <summary>Input: faces' boxes, float[4N].</summary>
    public string FaceBoxesColumnName { get; set; } = KeypointColumns.FaceBoxes;
    /// <summary>Input: faces' scores, float[N].</summary>
    public string FaceScoresColumnName { get; set; } = KeypointColumns.FaceScores;
    /// <summary>Input: faces' detector keypoints, float[12N].</summary>
    public string FaceKeypointsColumnName { get; set; } = KeypointColumns.FaceKeypoints;
    /// <summary>Output: the mapped box, float[4] (feed it to <c>DetectKeypoints</c> as the box column).</summary>
    public string BoxColumnName { get; set; } = KeypointColumns.Box;
}

/// <summary>
/// One row per image with its faces' vectors (<c>DetectFaces</c>) -> one row per face: the image's other columns
/// (path, size, ...) repeated, and <c>FaceIndex</c>, <c>FaceScore</c>, <c>DetectorBox</c>, <c>FaceKeypoints</c> and the
/// <c>Box</c> mapped to the landmark model's convention. An image without faces gives no row.
/// </summary>
/// <remarks>Row expansion is not a row-to-row mapping, so ML.NET can neither save it nor build a PredictionEngine on it:
/// save the per-face part of a pipeline (DetectKeypoints) and run the expansion in code.</remarks>
public sealed class FaceExpandingEstimator : IEstimator<FaceExpandingTransformer>
{
    internal const string Component = "ExpandFaces";
    private readonly FaceExpandingOptions _options;

    internal FaceExpandingEstimator(FaceExpandingOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        throw new NotSupportedException($"{Component} changes the number of rows; ML.NET's schema propagation (EstimatorChain) cannot describe it. Fit it on its own and Transform the data.");

    /// <inheritdoc />
    public FaceExpandingTransformer Fit(IDataView input)
    {
        FaceRowsDataView.CheckSchema(input.Schema, _options);
        return new FaceExpandingTransformer(_options);
    }
}

/// <summary>The face expansion; see <see cref="FaceExpandingEstimator"/>.</summary>
public sealed class FaceExpandingTransformer : ITransformer
{
    private readonly FaceExpandingOptions _options;

    internal FaceExpandingTransformer(FaceExpandingOptions options) => _options = options;

    /// <summary>False: rows are expanded.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => FaceRowsDataView.OutputSchema(inputSchema, _options);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException($"{FaceExpandingEstimator.Component} makes several rows of one; it has no row-to-row mapper (use Transform).");

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new FaceRowsDataView(input, _options);

    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        $"{FaceExpandingEstimator.Component} cannot be saved: ML.NET's loader registration is internal and no public transformer changes the row count.");
}

/// <summary>The rows of <see cref="FaceExpandingTransformer"/>: each source row's faces, one row each.</summary>
internal sealed class FaceRowsDataView : IDataView
{
    private readonly IDataView _source;
    private readonly FaceExpandingOptions _options;
    private readonly int[] _passThrough;   // output column i < _passThrough.Length <- source column _passThrough[i]
    private readonly int _boxes, _scores, _keypoints;

    public FaceRowsDataView(IDataView source, FaceExpandingOptions options)
    {
        _source = source;
        _options = options;
        CheckSchema(source.Schema, options);
        (_passThrough, Schema) = Build(source.Schema, options);
        _boxes = source.Schema[options.FaceBoxesColumnName].Index;
        _scores = source.Schema[options.FaceScoresColumnName].Index;
        _keypoints = source.Schema[options.FaceKeypointsColumnName].Index;
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => null;

    internal static void CheckSchema(DataViewSchema schema, FaceExpandingOptions o)
    {
        const string c = FaceExpandingEstimator.Component;
        SchemaChecks.CheckFloatVector(schema, o.FaceBoxesColumnName, c, 0, "face boxes, 4 values per face");
        SchemaChecks.CheckFloatVector(schema, o.FaceScoresColumnName, c, 0, "face scores, 1 per face");
        SchemaChecks.CheckFloatVector(schema, o.FaceKeypointsColumnName, c, 0, "detector keypoints, the same number per face");
    }

    internal static DataViewSchema OutputSchema(DataViewSchema input, FaceExpandingOptions o) => Build(input, o).Schema;

    // Visible source columns of types that can be passed through, except the face vectors and the names this view
    // writes; then FaceIndex, FaceScore, DetectorBox, FaceKeypoints (one face's) and Box.
    private static (int[] PassThrough, DataViewSchema Schema) Build(DataViewSchema input, FaceExpandingOptions o)
    {
        var written = new HashSet<string> { KeypointColumns.FaceIndex, KeypointColumns.FaceScore, KeypointColumns.DetectorBox, KeypointColumns.FaceKeypoints, o.BoxColumnName };
        var faceVectors = new HashSet<string> { o.FaceBoxesColumnName, o.FaceScoresColumnName, o.FaceKeypointsColumnName };
        var builder = new DataViewSchema.Builder();
        var pass = new List<int>();
        foreach (var col in input)
        {
            if (col.IsHidden || written.Contains(col.Name) || faceVectors.Contains(col.Name) || !ColumnBuffer.CanHold(col.Type)) continue;
            builder.AddColumn(col.Name, col.Type, col.Annotations);
            pass.Add(col.Index);
        }
        builder.AddColumn(KeypointColumns.FaceIndex, NumberDataViewType.Int32);
        builder.AddColumn(KeypointColumns.FaceScore, NumberDataViewType.Single);
        builder.AddColumn(KeypointColumns.DetectorBox, new VectorDataViewType(NumberDataViewType.Single, 4));
        // Variable length: 12 values per face behind blazeface-front, 10 behind yunet.
        builder.AddColumn(KeypointColumns.FaceKeypoints, new VectorDataViewType(NumberDataViewType.Single));
        builder.AddColumn(o.BoxColumnName, new VectorDataViewType(NumberDataViewType.Single, 4));
        return (pass.ToArray(), builder.ToSchema());
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var sourceColumns = _passThrough.Where((s, i) => needed.Contains(i)).Select(s => _source.Schema[s])
            .Concat([_source.Schema[_boxes], _source.Schema[_scores], _source.Schema[_keypoints]]);
        return new Cursor(this, _source.GetRowCursor(sourceColumns), needed);
    }

    // One cursor: the source is read in order and each of its rows served once per face (ML.NET may ask for several
    // cursors; it accepts fewer).
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly FaceRowsDataView _view;
        private readonly DataViewRowCursor _source;
        private readonly HashSet<int> _active;
        private readonly ValueGetter<VBuffer<float>> _boxes, _scores, _keypoints;
        private VBuffer<float> _boxBuffer, _scoreBuffer, _keypointBuffer;
        private float[] _b = [], _s = [], _k = [];
        private int _face = -1, _count, _perFace;
        private FaceBoxMap? _map;   // the current source row's: the options' map, or its detector's
        private long _position = -1;

        public Cursor(FaceRowsDataView view, DataViewRowCursor source, HashSet<int> active)
        {
            _view = view;
            _source = source;
            _active = active;
            _boxes = source.GetGetter<VBuffer<float>>(source.Schema[view._boxes]);
            _scores = source.GetGetter<VBuffer<float>>(source.Schema[view._scores]);
            _keypoints = source.GetGetter<VBuffer<float>>(source.Schema[view._keypoints]);
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            while (_face + 1 >= _count)
            {
                if (!_source.MoveNext()) return false;
                _boxes(ref _boxBuffer);
                _scores(ref _scoreBuffer);
                _keypoints(ref _keypointBuffer);
                _b = _boxBuffer.DenseValues().ToArray();
                _s = _scoreBuffer.DenseValues().ToArray();
                _k = _keypointBuffer.DenseValues().ToArray();
                _count = _s.Length;
                // The detector's points per face: 12 values for blazeface-front, 10 for yunet.
                _perFace = _count == 0 ? 0 : _k.Length / _count;
                if (_b.Length != 4 * _count || _k.Length != _perFace * _count || _perFace % 2 != 0)
                    throw new InvalidDataException($"{FaceExpandingEstimator.Component}: source row {_source.Position} has {_count} scores, {_b.Length} box values and {_k.Length} keypoint values; expected 4 box values and the same even number of keypoint values per face.");
                _map = _view._options.BoxMap ?? FaceEngineDefaults.BoxMapFor(_perFace / 2);
                if (_count > 0 && _map is null)
                    throw new InvalidDataException($"{FaceExpandingEstimator.Component}: source row {_source.Position} has {_perFace / 2} detector points per face; no fitted box map is known for such a detector (yunet gives 5, blazeface-front 6): set FaceExpandingOptions.BoxMap.");
                _face = -1;
            }
            _face++;
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int i = column.Index, pass = _view._passThrough.Length;
            if (i < pass) return _source.GetGetter<TValue>(_source.Schema[_view._passThrough[i]]);
            Delegate getter = (i - pass) switch
            {
                0 => (ValueGetter<int>)((ref int v) => v = _face),
                1 => (ValueGetter<float>)((ref float v) => v = _s[_face]),
                2 => Vector(() => _b.AsSpan(4 * _face, 4).ToArray()),
                3 => Vector(() => _k.AsSpan(_perFace * _face, _perFace).ToArray()),
                _ => Vector(() => _map!.Apply(_b.AsSpan(4 * _face, 4))),
            };
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"{FaceExpandingEstimator.Component}: column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        private static ValueGetter<VBuffer<float>> Vector(Func<float[]> values) => (ref VBuffer<float> v) =>
        {
            var a = values();
            var editor = VBufferEditor.Create(ref v, a.Length);
            a.CopyTo(editor.Values);
            v = editor.Commit();
        };

        protected override void Dispose(bool disposing)
        {
            if (disposing) _source.Dispose();
            base.Dispose(disposing);
        }
    }
}
