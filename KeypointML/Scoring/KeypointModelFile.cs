using KeypointML.Models;
using Microsoft.ML.OnnxRuntime;

namespace KeypointML.Scoring;

/// <summary>An exported KeypointML ONNX model file, opened once to read its metadata and check its graph signature.</summary>
public sealed record KeypointModelFile(string Path, KeypointModelMetadata Metadata)
{
    /// <summary>Number of floats the model reads per image: 1 x InputHeight x InputWidth.</summary>
    public int InputLength => Metadata.InputHeight * Metadata.InputWidth;

    /// <summary>Number of floats the model writes per image: 2K coordinates or K x h x w heatmap cells.</summary>
    public int OutputLength => Metadata.OutputKind == KeypointOutputKind.Heatmaps
        ? Metadata.KeypointCount * Metadata.HeatmapHeight * Metadata.HeatmapWidth
        : 2 * Metadata.KeypointCount;

    /// <summary>Reads and checks <paramref name="path"/>; every error names the file and what is wrong.</summary>
    public static KeypointModelFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found.", path);
        InferenceSession session;
        try { session = new InferenceSession(path); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message.Trim()}).", e);
        }
        using (session)
        {
            var metadata = KeypointModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, path);
            var file = new KeypointModelFile(path, metadata);
            file.CheckSignature(session);
            return file;
        }
    }

    private void CheckSignature(InferenceSession session)
    {
        var m = Metadata;
        if (m.InputHeight <= 0 || m.InputWidth <= 0 || m.KeypointCount <= 0)
            throw new InvalidDataException($"{Path}: metadata gives input {m.InputHeight}x{m.InputWidth} and {m.KeypointCount} keypoints; all must be positive.");
        if (m.OutputKind == KeypointOutputKind.Heatmaps && (m.HeatmapHeight <= 0 || m.HeatmapWidth <= 0))
            throw new InvalidDataException($"{Path}: a heatmap model needs a positive heatmap size in its metadata; got {m.HeatmapHeight}x{m.HeatmapWidth}.");
        if (m.Normalization != Preprocessing.GrayscaleNormalization.Name)
            throw new InvalidDataException($"{Path}: the model expects pixel normalization '{m.Normalization}'; KeypointML provides only '{Preprocessing.GrayscaleNormalization.Name}'.");

        if (!session.InputMetadata.TryGetValue(KeypointModelMetadata.InputName, out var input))
            throw new InvalidDataException($"{Path}: the graph has no input '{KeypointModelMetadata.InputName}' (it has {string.Join(", ", session.InputMetadata.Keys)}).");
        CheckDims(input.Dimensions, [1, m.InputHeight, m.InputWidth], $"input '{KeypointModelMetadata.InputName}'");

        if (!session.OutputMetadata.TryGetValue(KeypointModelMetadata.OutputName, out var output))
            throw new InvalidDataException($"{Path}: the graph has no output '{KeypointModelMetadata.OutputName}' (it has {string.Join(", ", session.OutputMetadata.Keys)}).");
        int[] expected = m.OutputKind == KeypointOutputKind.Heatmaps ? [m.KeypointCount, m.HeatmapHeight, m.HeatmapWidth] : [2 * m.KeypointCount];
        CheckDims(output.Dimensions, expected, $"output '{KeypointModelMetadata.OutputName}'");
    }

    // Dims after the batch dimension must match the metadata where the graph fixes them (a symbolic dim is -1).
    private void CheckDims(int[] dims, int[] expected, string what)
    {
        bool ok = dims.Length == expected.Length + 1;
        for (int i = 0; ok && i < expected.Length; i++) ok = dims[i + 1] <= 0 || dims[i + 1] == expected[i];
        if (!ok)
            throw new InvalidDataException($"{Path}: {what} has shape [{string.Join(", ", dims)}]; its metadata says [N, {string.Join(", ", expected)}].");
    }
}
