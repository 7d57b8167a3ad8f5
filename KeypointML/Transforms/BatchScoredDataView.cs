using System.Runtime.ExceptionServices;
using KeypointML.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>
/// The IDataView <see cref="KeypointScoringTransformer.Transform"/> returns when batching: its schema is exactly the
/// per-row chain's output schema; its cursors read <c>batchSize</c> rows ahead from the source, score them in one
/// session run and then serve them one by one.
/// </summary>
/// <remarks>
/// Upstream getters are valid only for the upstream cursor's current row, so while reading ahead the cursor copies
/// every value the consumer asked for: the pixel tensor, and the passed-through columns (the row id and batch too).
/// It can copy columns whose type ML.NET's own cache can hold (primitive values and vectors of them: numbers, text,
/// booleans, keys, dates). When a cursor asks for a passed-through column of another type (an image, say), or does not
/// ask for the model output at all, it is served by the per-row chain (one session run per row) instead: same values, per-row
/// speed. A row whose value cannot be read (an unreadable image upstream) ends the batch early: the rows before it are
/// scored and served, and then <see cref="DataViewRowCursor.MoveNext"/> rethrows the original exception.
/// </remarks>
internal sealed class BatchScoredDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ITransformer _perRow;
    private readonly IBatchScorer _model;
    private readonly int _batchSize;
    private readonly int _pixelsIndex;
    private readonly int _outputIndex;
    // For every output column other than the model output: the source column it passes through.
    private readonly int[] _sourceIndex;
    private IDataView? _perRowView;

    public DataViewSchema Schema { get; }
    public bool CanShuffle => _source.CanShuffle;

    private BatchScoredDataView(IDataView source, ITransformer perRow, DataViewSchema schema, IBatchScorer model,
        int batchSize, int pixelsIndex, int outputIndex, int[] sourceIndex)
    {
        _source = source;
        _perRow = perRow;
        Schema = schema;
        _model = model;
        _batchSize = batchSize;
        _pixelsIndex = pixelsIndex;
        _outputIndex = outputIndex;
        _sourceIndex = sourceIndex;
    }

    /// <summary>The batched view of <paramref name="source"/>, or the per-row chain's view when its schema cannot be
    /// mapped column by column onto the source (never seen; a guard).</summary>
    public static IDataView Create(IDataView source, ITransformer perRow, IBatchScorer model, int batchSize,
        string pixelsColumn, string outputColumn)
    {
        var schema = perRow.GetOutputSchema(source.Schema);
        var output = schema.GetColumnOrNull(outputColumn);
        var pixels = source.Schema.GetColumnOrNull(pixelsColumn);
        var map = MapColumns(source.Schema, schema, output?.Index ?? -1, outputColumn);
        if (output is not { } o || pixels is not { } p || map is null
            || o.Type is not VectorDataViewType vt || vt.ItemType != NumberDataViewType.Single || vt.Size != model.OutputLength)
            return perRow.Transform(source);
        return new BatchScoredDataView(source, perRow, schema, model, batchSize, p.Index, o.Index, map);
    }

    // The per-row chain adds the output column: every other column is a source column, in source order, hidden ones
    // included. Pair them by name in order; any doubt (a count or type that differs) returns null.
    private static int[]? MapColumns(DataViewSchema source, DataViewSchema output, int outputIndex, string outputColumn)
    {
        var byName = new Dictionary<string, Queue<int>>();
        foreach (var c in source)
        {
            if (!byName.TryGetValue(c.Name, out var q)) byName[c.Name] = q = new Queue<int>();
            q.Enqueue(c.Index);
        }
        var map = new int[output.Count];
        foreach (var c in output)
        {
            if (c.Index == outputIndex) { map[c.Index] = -1; continue; }
            if (!byName.TryGetValue(c.Name, out var q) || q.Count == 0) return null;
            int s = q.Dequeue();
            if (!source[s].Type.Equals(c.Type)) return null;
            map[c.Index] = s;
        }
        // A source column left over can only be one the output column replaced.
        bool dropped = byName.Values.SelectMany(q => q).All(i => source[i].Name == outputColumn);
        return dropped ? map : null;
    }

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        if (!CanBatch(active)) return PerRowCursors(columnsNeeded, 1, rand)[0];
        return new BatchCursor(this, _source.GetRowCursor(SourceColumns(active), rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        if (!CanBatch(active)) return PerRowCursors(columnsNeeded, n, rand);
        // Each source cursor of the set gets its own batches: the upstream work stays parallel.
        return _source.GetRowCursorSet(SourceColumns(active), n, rand).Select(c => (DataViewRowCursor)new BatchCursor(this, c, active)).ToArray();
    }

    private bool[] Active(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = new bool[Schema.Count];
        foreach (var c in columns)
        {
            if (c.Index < 0 || c.Index >= Schema.Count || Schema[c.Index].Name != c.Name)
                throw new ArgumentException($"{KeypointScoringEstimator.Component}: column '{c.Name}' (index {c.Index}) is not a column of this data view.", nameof(columns));
            active[c.Index] = true;
        }
        return active;
    }

    private bool CanBatch(bool[] active)
    {
        if (!active[_outputIndex]) return false;
        for (int i = 0; i < active.Length; i++)
            if (active[i] && i != _outputIndex && !ColumnBuffer.CanHold(Schema[i].Type)) return false;
        return true;
    }

    private IEnumerable<DataViewSchema.Column> SourceColumns(bool[] active)
    {
        var needed = new HashSet<int> { _pixelsIndex };
        for (int i = 0; i < active.Length; i++)
            if (active[i] && i != _outputIndex) needed.Add(_sourceIndex[i]);
        return needed.Select(i => _source.Schema[i]);
    }

    private DataViewRowCursor[] PerRowCursors(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand)
    {
        var view = _perRowView ??= _perRow.Transform(_source);
        var columns = columnsNeeded.Select(c => view.Schema[c.Index]).ToArray();
        var cursors = n <= 1 ? [view.GetRowCursor(columns, rand)] : view.GetRowCursorSet(columns, n, rand);
        return cursors.Select(c => (DataViewRowCursor)new SchemaCursor(Schema, c)).ToArray();
    }

    /// <summary>The per-row chain's cursor under this view's schema (same columns, same indices).</summary>
    private sealed class SchemaCursor(DataViewSchema schema, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool MoveNext() => inner.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class BatchCursor : DataViewRowCursor
    {
        private readonly BatchScoredDataView _view;
        private readonly DataViewRowCursor _source;
        private readonly bool[] _active;
        private readonly ValueGetter<VBuffer<float>> _pixels;
        private readonly ValueGetter<DataViewRowId> _sourceId;
        private readonly ColumnBuffer?[] _buffers;
        private readonly float[] _input, _output;
        private readonly DataViewRowId[] _ids;
        private readonly long[] _batches;
        private readonly int _inputLength, _outputLength;
        private VBuffer<float> _pixelBuffer;
        private int _count, _slot = -1;
        private long _position = -1;
        private bool _sourceDone;
        private ExceptionDispatchInfo? _pending;

        public BatchCursor(BatchScoredDataView view, DataViewRowCursor source, bool[] active)
        {
            _view = view;
            _source = source;
            _active = active;
            int n = view._batchSize;
            _inputLength = view._model.InputLength;
            _outputLength = view._model.OutputLength;
            _input = new float[n * _inputLength];
            _output = new float[n * _outputLength];
            _ids = new DataViewRowId[n];
            _batches = new long[n];
            _pixels = source.GetGetter<VBuffer<float>>(source.Schema[view._pixelsIndex]);
            _sourceId = source.GetIdGetter();
            _buffers = new ColumnBuffer?[active.Length];
            for (int i = 0; i < active.Length; i++)
                if (active[i] && i != view._outputIndex)
                    _buffers[i] = ColumnBuffer.Create(source, source.Schema[view._sourceIndex[i]], n, CurrentSlot);
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => _slot >= 0 && _slot < _count ? _batches[_slot] : 0;

        public override bool MoveNext()
        {
            if (_slot + 1 < _count)
            {
                _slot++;
                _position++;
                return true;
            }
            if (_pending is { } pending)
            {
                _pending = null;
                _count = 0;
                _slot = -1;
                pending.Throw();
            }
            if (_sourceDone)
            {
                _count = 0;
                _slot = -1;
                return false;
            }
            Fill();
            if (_count == 0) return MoveNext();   // the first row of this batch failed, or the source is done
            _slot = 0;
            _position++;
            return true;
        }

        // Reads up to batchSize rows while the source cursor stands on each of them, then scores them in one run.
        private void Fill()
        {
            _count = 0;
            _slot = -1;
            while (_count < _ids.Length)
            {
                try
                {
                    if (!_source.MoveNext())
                    {
                        _sourceDone = true;
                        break;
                    }
                    ReadPixels(_count);
                    foreach (var b in _buffers) b?.Read(_count);
                    _sourceId(ref _ids[_count]);
                    _batches[_count] = _source.Batch;
                }
                catch (Exception e)
                {
                    // Served after the good rows before it, so the error surfaces at the row that caused it.
                    _pending = ExceptionDispatchInfo.Capture(e);
                    _sourceDone = true;
                    break;
                }
                _count++;
            }
            if (_count > 0) _view._model.Run(_input, _count, _output);
        }

        private void ReadPixels(int slot)
        {
            _pixels(ref _pixelBuffer);
            if (_pixelBuffer.Length != _inputLength)
                throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: row {_position + slot + 1} has a tensor of {_pixelBuffer.Length} values; model '{_view._model.Name}' reads {_inputLength}.");
            _pixelBuffer.CopyTo(_input.AsSpan(slot * _inputLength, _inputLength));
        }

        private int CurrentSlot()
        {
            if (_slot < 0 || _slot >= _count)
                throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: the cursor is not on a row (call MoveNext first).");
            return _slot;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
        {
            value = _ids[CurrentSlot()];
        };

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: column '{column.Name}' was not asked for when the cursor was made.");
            if (column.Index == _view._outputIndex)
            {
                ValueGetter<VBuffer<float>> output = (ref VBuffer<float> value) =>
                {
                    int slot = CurrentSlot();
                    var editor = VBufferEditor.Create(ref value, _outputLength);
                    _output.AsSpan(slot * _outputLength, _outputLength).CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return output as ValueGetter<TValue>
                    ?? throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: column '{column.Name}' holds {typeof(VBuffer<float>).Name}, not {typeof(TValue).Name}.");
            }
            return _buffers[column.Index]!.Getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: column '{column.Name}' has type {column.Type.RawType.Name}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _source.Dispose();
            base.Dispose(disposing);
        }
    }
}
