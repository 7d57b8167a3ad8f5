using System.Reflection;
using System.Runtime.ExceptionServices;
using KeypointML.Models;
using KeypointML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace KeypointML.Transforms;

/// <summary>
/// The ONNX Runtime session of <see cref="KeypointScoringTransformer"/>'s batched path: one Run per batch of rows on an
/// [n, 1, H, W] tensor. Built with the same options as the OnnxTransformer of the per-row path (CUDA device with
/// fall-back to CPU, thread counts). Run is safe to call from several cursors at once (ONNX Runtime sessions are).
/// </summary>
internal sealed class KeypointBatchSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly string[] _inputNames = [KeypointModelMetadata.InputName];
    private readonly string[] _outputNames = [KeypointModelMetadata.OutputName];

    public KeypointModelFile Model { get; }
    public int InputLength => Model.InputLength;
    public int OutputLength => Model.OutputLength;

    public KeypointBatchSession(KeypointModelFile model, KeypointScoringOptions options)
    {
        Model = model;
        (_session, _sessionOptions) = CreateSession(model.Path, options);
    }

    // The rule of ML.NET's OnnxTransformer: a CUDA session when a device is asked for; if that fails and fall-back is on,
    // a CPU session. Thread counts apply to the CPU session (ML.NET applies them only there too).
    private static (InferenceSession, SessionOptions) CreateSession(string path, KeypointScoringOptions options)
    {
        if (options.GpuDeviceId is int device)
        {
            SessionOptions? cuda = null;
            try
            {
                cuda = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                return (new InferenceSession(path, cuda), cuda);
            }
            catch (OnnxRuntimeException) when (options.FallbackToCpu)
            {
                cuda?.Dispose();
            }
        }
        var cpu = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpNumThreads.GetValueOrDefault(),
            InterOpNumThreads = options.InterOpNumThreads.GetValueOrDefault(),
        };
        try { return (new InferenceSession(path, cpu), cpu); }
        catch
        {
            cpu.Dispose();
            throw;
        }
    }

    /// <summary>Scores the first <paramref name="rows"/> tensors of <paramref name="input"/> (each <see cref="InputLength"/>
    /// floats) into <paramref name="output"/> (each <see cref="OutputLength"/> floats).</summary>
    public void Run(float[] input, int rows, float[] output)
    {
        var h = Model.Metadata.InputHeight;
        var w = Model.Metadata.InputWidth;
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, rows * InputLength), [rows, 1, h, w]);
        using var runOptions = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> results;
        try { results = _session.Run(runOptions, _inputNames, [value], _outputNames); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: model '{Model.Path}' failed on a batch of {rows} rows: {e.Message.Trim()}", e);
        }
        using var _ = results;
        var scores = results[0].GetTensorDataAsSpan<float>();
        if (scores.Length != rows * OutputLength)
            throw new InvalidDataException($"{KeypointScoringEstimator.Component}: model '{Model.Path}' returned {scores.Length} values for {rows} rows; its metadata says {OutputLength} per row.");
        scores.CopyTo(output);
    }

    public void Dispose()
    {
        _session.Dispose();
        _sessionOptions.Dispose();
    }
}

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
/// ask for the model output at all, it is served by the per-row chain (OnnxTransformer) instead: same values, per-row
/// speed. A row whose value cannot be read (an unreadable image upstream) ends the batch early: the rows before it are
/// scored and served, and then <see cref="DataViewRowCursor.MoveNext"/> rethrows the original exception.
/// </remarks>
internal sealed class BatchScoredDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ITransformer _perRow;
    private readonly KeypointBatchSession _session;
    private readonly int _batchSize;
    private readonly int _pixelsIndex;
    private readonly int _outputIndex;
    // For every output column other than the model output: the source column it passes through.
    private readonly int[] _sourceIndex;
    private IDataView? _perRowView;

    public DataViewSchema Schema { get; }
    public bool CanShuffle => _source.CanShuffle;

    private BatchScoredDataView(IDataView source, ITransformer perRow, DataViewSchema schema, KeypointBatchSession session,
        int batchSize, int pixelsIndex, int outputIndex, int[] sourceIndex)
    {
        _source = source;
        _perRow = perRow;
        Schema = schema;
        _session = session;
        _batchSize = batchSize;
        _pixelsIndex = pixelsIndex;
        _outputIndex = outputIndex;
        _sourceIndex = sourceIndex;
    }

    /// <summary>The batched view of <paramref name="source"/>, or the per-row chain's view when its schema cannot be
    /// mapped column by column onto the source (never seen; a guard).</summary>
    public static IDataView Create(IDataView source, ITransformer perRow, KeypointBatchSession session, int batchSize,
        string pixelsColumn, string outputColumn)
    {
        var schema = perRow.GetOutputSchema(source.Schema);
        var output = schema.GetColumnOrNull(outputColumn);
        var pixels = source.Schema.GetColumnOrNull(pixelsColumn);
        var map = MapColumns(source.Schema, schema, output?.Index ?? -1);
        if (output is not { } o || pixels is not { } p || map is null
            || o.Type is not VectorDataViewType vt || vt.ItemType != NumberDataViewType.Single || vt.Size != session.OutputLength)
            return perRow.Transform(source);
        return new BatchScoredDataView(source, perRow, schema, session, batchSize, p.Index, o.Index, map);
    }

    // The chain copies the pixels to "input", adds "output", copies it to the output column and drops "input" and
    // "output": every other column is a source column, in source order, hidden ones included. Pair them by name in
    // order; any doubt (a count or type that differs) returns null.
    private static int[]? MapColumns(DataViewSchema source, DataViewSchema output, int outputIndex)
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
        // Source columns left over must be the ones the chain drops.
        bool dropped = byName.Values.SelectMany(q => q).All(i => source[i].Name is KeypointModelMetadata.InputName or KeypointModelMetadata.OutputName);
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
            _inputLength = view._session.InputLength;
            _outputLength = view._session.OutputLength;
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
            if (_count > 0) _view._session.Run(_input, _count, _output);
        }

        private void ReadPixels(int slot)
        {
            _pixels(ref _pixelBuffer);
            if (_pixelBuffer.Length != _inputLength)
                throw new InvalidOperationException($"{KeypointScoringEstimator.Component}: row {_position + slot + 1} has a tensor of {_pixelBuffer.Length} values; model '{Path.GetFileName(_view._session.Model.Path)}' reads {_inputLength}.");
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

/// <summary>Copies of one passed-through column's values for the rows of a batch, served for the current row.</summary>
internal abstract class ColumnBuffer
{
    /// <summary>A typed <c>ValueGetter</c> serving the value of the current slot.</summary>
    public abstract Delegate Getter { get; }

    /// <summary>Reads the source cursor's current value into <paramref name="slot"/>.</summary>
    public abstract void Read(int slot);

    /// <summary>Whether values of <paramref name="type"/> can be held apart from the cursor: primitive values (numbers,
    /// text, booleans, keys, dates, row ids) and vectors of them, the types ML.NET's cache holds.</summary>
    public static bool CanHold(DataViewType type) => type is PrimitiveDataViewType or VectorDataViewType;

    public static ColumnBuffer Create(DataViewRowCursor source, DataViewSchema.Column column, int capacity, Func<int> slot)
    {
        var (definition, item) = column.Type is VectorDataViewType vector
            ? (typeof(VectorBuffer<>), vector.ItemType.RawType)
            : (typeof(ScalarBuffer<>), column.Type.RawType);
        var type = definition.MakeGenericType(item);
        return (ColumnBuffer)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public, null, [source, column, capacity, slot], null)!;
    }

    /// <summary>A primitive value type (ReadOnlyMemory&lt;char&gt; text is immutable in ML.NET, as for its cache).</summary>
    private sealed class ScalarBuffer<T> : ColumnBuffer
    {
        private readonly ValueGetter<T> _source;
        private readonly T[] _values;

        public ScalarBuffer(DataViewRowCursor source, DataViewSchema.Column column, int capacity, Func<int> slot)
        {
            _source = source.GetGetter<T>(column);
            _values = new T[capacity];
            Getter = (ValueGetter<T>)((ref T value) => value = _values[slot()]);
        }

        public override Delegate Getter { get; }
        public override void Read(int slot) => _source(ref _values[slot]);
    }

    /// <summary>A vector: each slot keeps its own buffers; the consumer gets a copy.</summary>
    private sealed class VectorBuffer<T> : ColumnBuffer
    {
        private readonly ValueGetter<VBuffer<T>> _source;
        private readonly VBuffer<T>[] _values;

        public VectorBuffer(DataViewRowCursor source, DataViewSchema.Column column, int capacity, Func<int> slot)
        {
            _source = source.GetGetter<VBuffer<T>>(column);
            _values = new VBuffer<T>[capacity];
            Getter = (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
        }

        public override Delegate Getter { get; }
        public override void Read(int slot) => _source(ref _values[slot]);
    }
}
