using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>
/// Applies a <see cref="BadRowPolicy"/> to the output of a chain that marks bad rows in a text error column (empty =
/// fine): <see cref="BadRowPolicy.Mark"/> serves it as it is, <see cref="BadRowPolicy.Skip"/> leaves marked rows out,
/// <see cref="BadRowPolicy.Fail"/> throws <see cref="KeypointRowException"/> on the first marked row with its position
/// and image path. The check runs in the outermost cursor, so the exception reaches the caller unwrapped (not inside
/// ML.NET's "Splitter/consolidator worker encountered exception").
/// </summary>
internal static class BadRowHandling
{
    public static IDataView Apply(IDataView marked, BadRowPolicy policy, string errorColumn, string pathColumn) =>
        policy == BadRowPolicy.Mark ? marked : new PolicyView(marked, policy, errorColumn, pathColumn);

    /// <summary>The per-row mapper (PredictionEngine) under the policy: Fail throws on a marked row; Skip cannot drop the
    /// one row a PredictionEngine must answer, so it marks.</summary>
    public static IRowToRowMapper Apply(IRowToRowMapper mapper, BadRowPolicy policy, string errorColumn, string pathColumn) =>
        policy == BadRowPolicy.Fail ? new FailingMapper(mapper, errorColumn, pathColumn) : mapper;

    private static string Text(ValueGetter<ReadOnlyMemory<char>> getter)
    {
        ReadOnlyMemory<char> value = default;
        getter(ref value);
        // The whole string the mapping wrote, when the memory still wraps it (so its cause can be found by reference).
        return System.Runtime.InteropServices.MemoryMarshal.TryGetString(value, out var text, out int start, out int length) && start == 0 && length == text.Length
            ? text : value.ToString();
    }

    private static Exception? Cause(string reason) => FaceTensorMapping.Causes.TryGetValue(reason, out var cause) ? cause : null;

    private sealed class PolicyView(IDataView inner, BadRowPolicy policy, string errorColumn, string pathColumn) : IDataView
    {
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        // Skipping changes the count; failing may stop before the end.
        public long? GetRowCount() => policy == BadRowPolicy.Skip ? null : inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.Select(c => c.Index).Append(inner.Schema[errorColumn].Index).Append(inner.Schema[pathColumn].Index)
                .Distinct().Select(i => inner.Schema[i]);
            return new PolicyCursor(inner.GetRowCursor(needed, rand), policy, errorColumn, pathColumn);
        }

        // One cursor: the check must see rows in order to name their position.
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];
    }

    private sealed class PolicyCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _inner;
        private readonly BadRowPolicy _policy;
        private readonly ValueGetter<ReadOnlyMemory<char>> _error, _path;
        private long _position = -1;
        private long _innerPosition = -1;

        public PolicyCursor(DataViewRowCursor inner, BadRowPolicy policy, string errorColumn, string pathColumn)
        {
            _inner = inner;
            _policy = policy;
            _error = inner.GetGetter<ReadOnlyMemory<char>>(inner.Schema[errorColumn]);
            _path = inner.GetGetter<ReadOnlyMemory<char>>(inner.Schema[pathColumn]);
        }

        public override DataViewSchema Schema => _inner.Schema;
        public override long Position => _position;
        public override long Batch => _inner.Batch;

        public override bool MoveNext()
        {
            while (_inner.MoveNext())
            {
                _innerPosition++;
                var error = Text(_error);
                if (error.Length == 0)
                {
                    _position++;
                    return true;
                }
                if (_policy == BadRowPolicy.Fail) throw new KeypointRowException(_innerPosition, Text(_path), error, Cause(error));
                // Skip: the next row.
            }
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => _inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _inner.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class FailingMapper(IRowToRowMapper inner, string errorColumn, string pathColumn) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => inner.InputSchema;
        public DataViewSchema OutputSchema => inner.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            inner.GetDependencies(dependingColumns.Append(OutputSchema[errorColumn])).Append(InputSchema[pathColumn]).DistinctBy(c => c.Index);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            var row = inner.GetRow(input, activeColumns.Append(OutputSchema[errorColumn]).DistinctBy(c => c.Index));
            return new FailingRow(row, input, row.GetGetter<ReadOnlyMemory<char>>(OutputSchema[errorColumn]),
                input.GetGetter<ReadOnlyMemory<char>>(InputSchema[pathColumn]));
        }
    }

    // Every getter first checks the row's error, so a PredictionEngine throws the library's exception for a bad row.
    private sealed class FailingRow(DataViewRow inner, DataViewRow input, ValueGetter<ReadOnlyMemory<char>> error, ValueGetter<ReadOnlyMemory<char>> path) : DataViewRow
    {
        public override DataViewSchema Schema => inner.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var getter = inner.GetGetter<TValue>(column);
            return (ref TValue value) =>
            {
                var reason = Text(error);
                if (reason.Length > 0) throw new KeypointRowException(input.Position, Text(path), reason, Cause(reason));
                getter(ref value);
            };
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
