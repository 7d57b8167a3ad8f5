namespace KeypointML.Transforms;

/// <summary>
/// A row of an <c>IDataView</c> that KeypointML could not score, under <see cref="BadRowPolicy.Fail"/>: which row
/// (0-based position in the input), which image file, and why.
/// </summary>
public sealed class KeypointRowException : Exception
{
    /// <summary>Creates the exception for row <paramref name="rowIndex"/> showing <paramref name="imagePath"/>.</summary>
    public KeypointRowException(long rowIndex, string imagePath, string reason, Exception? cause = null)
        : base($"row {rowIndex} ('{imagePath}'): {reason}", cause)
    {
        RowIndex = rowIndex;
        ImagePath = imagePath;
        Reason = reason;
    }

    /// <summary>0-based position of the row in the data that was transformed.</summary>
    public long RowIndex { get; }
    /// <summary>The row's image file, as its path column gives it.</summary>
    public string ImagePath { get; }
    /// <summary>What is wrong (the text of the row's <see cref="KeypointColumns.Error"/> column).</summary>
    public string Reason { get; }
}
