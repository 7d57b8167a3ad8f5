using KeypointML.Codecs;
using KeypointML.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KeypointML.Models;

/// <summary>
/// An exported KeypointML ONNX model, opened once: its metadata, the preprocessing it was trained with, its output
/// codec and one ONNX Runtime session, which every scoring path of the components shares (batched <c>Transform</c>,
/// <c>PredictionEngine</c>). Thread-safe for scoring; dispose it to free the session.
/// </summary>
public sealed class KeypointModel : IDisposable, IBatchScorer
{
    private readonly InferenceSession _session;
    private readonly SessionOptions? _ownedOptions;
    private readonly string[] _inputNames = [KeypointModelMetadata.InputName];
    private readonly string[] _outputNames = [KeypointModelMetadata.OutputName];
    private bool _disposed;

    private KeypointModel(string path, InferenceSession session, SessionOptions? ownedOptions, string device, KeypointModelOptions options)
    {
        Path = path;
        _session = session;
        _ownedOptions = ownedOptions;
        Device = device;
        Options = options;
        Metadata = KeypointModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, path);
        Check(session);
        Preprocessing = FacePreprocessing.Of(Metadata);
    }

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>What the model says about itself.</summary>
    public KeypointModelMetadata Metadata { get; }
    /// <summary>How a face becomes this model's input.</summary>
    public FacePreprocessing Preprocessing { get; }
    /// <summary>Where the session runs: "CPU", "CUDA:N" when the CUDA provider was created, "CPU (CUDA:N asked for, not
    /// available)" when a GPU request fell back, or "caller's session options".</summary>
    public string Device { get; }
    /// <summary>The options the session was made with.</summary>
    public KeypointModelOptions Options { get; }
    /// <summary>Floats of one input tensor, 1 x H x W.</summary>
    public int InputLength => Preprocessing.InputLength;
    /// <summary>Floats of one output, 2K coordinates or K x h x w heatmap cells.</summary>
    public int OutputLength => Metadata.OutputKind == KeypointOutputKind.Heatmaps
        ? Metadata.KeypointCount * Metadata.HeatmapHeight * Metadata.HeatmapWidth
        : 2 * Metadata.KeypointCount;
    /// <summary>The file name, for messages.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The left/right point map for flips: the 68-point iBUG scheme's for 68-point models; null otherwise.</summary>
    public IReadOnlyList<int>? MirrorMap => Metadata.KeypointCount == Geometry.MirrorMaps.Ibug68.Count ? Geometry.MirrorMaps.Ibug68 : null;

    /// <summary>The codec that decodes this model's output, with the heatmap decoder's <paramref name="refinement"/>.</summary>
    public KeypointCodec Codec(HeatmapRefinement? refinement = null) => Codec(refinement, flipAveraging: false);

    /// <summary>The codec that decodes this model's output: its own (with <paramref name="refinement"/>, else its
    /// <see cref="DefaultRefinement"/>), averaged with the mirror image's when <paramref name="flipAveraging"/> (68-point
    /// models), then corrected by the calibration offsets its metadata carries (<see cref="OffsetCorrectedCodec"/>; outside
    /// the flip averaging, whose mirror pass has the same bias), then by its shape prior, if it has one
    /// (<see cref="ShapePriorCodec"/>) and <paramref name="shapePrior"/> is true.</summary>
    public KeypointCodec Codec(HeatmapRefinement? refinement, bool flipAveraging, bool shapePrior = true)
    {
        var codec = KeypointCodec.FromMetadata(Metadata, refinement ?? DefaultRefinement);
        if (flipAveraging && Metadata.FlipInGraph)
            throw new ArgumentException($"{Name}: the model averages each face with its mirror image inside its graph already; flip averaging it again would only double the cost.");
        if (flipAveraging)
            codec = new FlipAveragingCodec(codec, MirrorMap ?? throw new ArgumentException(
                $"{Name}: flip averaging needs the model's left/right point map, known for the 68-point scheme; it predicts {Metadata.KeypointCount} points."));
        return ShapePriorCodec.Wrap(OffsetCorrectedCodec.Wrap(codec, Metadata.Offsets), shapePrior ? Metadata.ShapePrior : null);
    }

    /// <summary>How this model's heatmaps are decoded when the caller does not say: the refinement its metadata records
    /// (chosen on its validation faces), else the library's default.</summary>
    public HeatmapRefinement DefaultRefinement => Metadata.Refinement ?? Transforms.KeypointDefaults.Refinement;

    /// <summary>Opens <paramref name="path"/>, reads and checks its metadata and graph signature; errors name the file.</summary>
    public static KeypointModel Open(string path, KeypointModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found.", path);
        options ??= new KeypointModelOptions();
        var (session, owned, device) = OnnxSessions.Create(path, options);
        try { return new KeypointModel(path, session, owned, device, options); }
        catch
        {
            session.Dispose();
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>Scores the first <paramref name="rows"/> tensors of <paramref name="input"/> (each <see cref="InputLength"/>
    /// floats) into <paramref name="output"/> (each <see cref="OutputLength"/> floats). Safe to call from several threads.</summary>
    public void Run(float[] input, int rows, float[] output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (rows < 1 || input.Length < rows * InputLength || output.Length < rows * OutputLength)
            throw new ArgumentException($"{Name}: {rows} rows need {rows * InputLength} input and {rows * OutputLength} output floats; got {input.Length} and {output.Length}.");
        var m = Metadata;
        // The input is copied into memory ONNX Runtime allocated: a tensor made over managed memory (AsMemory) is not
        // pinned for the run, and a garbage collection that moved a small array mid-run crashed the process (seen with
        // the face detector). The copy costs microseconds next to the run.
        using var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [rows, 1, m.InputHeight, m.InputWidth]);
        input.AsSpan(0, rows * InputLength).CopyTo(value.GetTensorMutableDataAsSpan<float>());
        using var runOptions = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> results;
        try { results = _session.Run(runOptions, _inputNames, [value], _outputNames); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"{Name}: the model failed on a batch of {rows} rows: {e.Message.Trim()}", e);
        }
        using var _ = results;
        var scores = results[0].GetTensorDataAsSpan<float>();
        if (scores.Length != rows * OutputLength)
            throw new InvalidDataException($"{Name}: the model returned {scores.Length} values for {rows} rows; its metadata says {OutputLength} per row.");
        scores.CopyTo(output);
    }

    private void Check(InferenceSession session)
    {
        var m = Metadata;
        if (m.InputHeight <= 0 || m.InputWidth <= 0 || m.KeypointCount <= 0)
            throw new InvalidDataException($"{Path}: metadata gives input {m.InputHeight}x{m.InputWidth} and {m.KeypointCount} keypoints; all must be positive.");
        if (m.OutputKind == KeypointOutputKind.Heatmaps && (m.HeatmapHeight <= 0 || m.HeatmapWidth <= 0))
            throw new InvalidDataException($"{Path}: a heatmap model needs a positive heatmap size in its metadata; got {m.HeatmapHeight}x{m.HeatmapWidth}.");
        if (m.Normalization != GrayscaleNormalization.Name)
            throw new InvalidDataException($"{Path}: the model expects pixel normalization '{m.Normalization}'; KeypointML provides only '{GrayscaleNormalization.Name}'.");

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

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
        _ownedOptions?.Dispose();
    }
}
