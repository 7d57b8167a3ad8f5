using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

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
