using Microsoft.ML;

namespace KeypointML.Data;

/// <summary>
/// A dataset in both forms its users need: <see cref="Rows"/> as plain C# records (the TorchSharp training loop) and
/// <see cref="Data"/> as a streaming ML.NET <see cref="IDataView"/> (transforms and evaluation). Both read lazily,
/// and each enumeration reads the label files again, so call <c>Rows.ToList()</c> once when the rows are reused.
/// </summary>
public sealed class KeypointDataset
{
    private KeypointDataset(string name, int keypointCount, IEnumerable<KeypointSample> rows, IDataView data)
    {
        Name = name;
        KeypointCount = keypointCount;
        Rows = rows;
        Data = data;
    }

    /// <summary>What the dataset was loaded from (the spec given to <see cref="KeypointDatasets.Load"/>).</summary>
    public string Name { get; }

    /// <summary>Keypoints per face: 58 (IMM), 68 (iBUG 300-W), or 0 when the rows carry no labels.</summary>
    public int KeypointCount { get; }

    /// <summary>Whether the rows carry keypoints (and <see cref="Data"/> has a <c>Label</c> column).</summary>
    public bool HasKeypoints => KeypointCount > 0;

    /// <summary>The rows as records; <see cref="ImmFaceSample"/> for the IMM Face Database.</summary>
    public IEnumerable<KeypointSample> Rows { get; }

    /// <summary>The rows as a streaming <see cref="IDataView"/> with the <see cref="KeypointColumns"/> columns.</summary>
    public IDataView Data { get; }

    /// <summary>Wraps re-enumerable rows of one record type; <paramref name="keypointCount"/> 0 means unlabelled.</summary>
    public static KeypointDataset Create<T>(MLContext mlContext, string name, IEnumerable<T> rows, int keypointCount) where T : KeypointSample =>
        new(name, keypointCount, rows, KeypointDataViews.Create(mlContext, rows, keypointCount));
}
