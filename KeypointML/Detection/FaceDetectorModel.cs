using KeypointML.Imaging;
using KeypointML.Models;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KeypointML.Detection;

/// <summary>
/// A BlazeFace ONNX model, opened once, thread-safe for detection: MediaPipe's layout (one NHWC RGB input [1, S, S, 3]
/// in [-1, 1], per anchor layer a score output [1, n, 1] and a regression output [1, n, 16]) or a PyTorch export's (NCHW
/// input [1, 3, S, S], one score and one regression output over all anchors, finer grid first). S = 128 is the front
/// (short-range) model, S = 256 the back one.
/// </summary>
/// <remarks>
/// The image is letterboxed into the square input (scaled to fit with <see cref="ImageResampler"/>, centred, black
/// padding), as MediaPipe feeds BlazeFace, so faces keep their proportions; boxes and keypoints are mapped back to
/// image pixels.
/// </remarks>
public sealed class FaceDetectorModel : IFaceDetector
{
    private readonly InferenceSession _session;
    private readonly SessionOptions? _ownedOptions;
    private readonly string _input;
    private readonly string[] _scoreOutputs, _regressionOutputs;
    private readonly bool _channelsFirst;

    private FaceDetectorModel(string path, InferenceSession session, SessionOptions? ownedOptions)
    {
        Path = path;
        _session = session;
        _ownedOptions = ownedOptions;
        if (session.InputMetadata.Count != 1)
            throw new InvalidDataException($"{path}: a face detector has one input; this graph has {session.InputMetadata.Count}.");
        var (input, meta) = session.InputMetadata.Single();
        var d = meta.Dimensions;
        // MediaPipe's graphs (converted from TFLite) read NHWC; PyTorch exports of the same networks read NCHW.
        bool channelsLast = d.Length == 4 && d[1] == d[2] && d[1] > 0 && d[3] == 3;
        _channelsFirst = d.Length == 4 && d[2] == d[3] && d[2] > 0 && d[1] == 3;
        if (!channelsLast && !_channelsFirst)
            throw new InvalidDataException($"{path}: the detector input '{input}' is [{string.Join(", ", d)}]; expected [1, S, S, 3] (NHWC RGB, MediaPipe's layout) or [1, 3, S, S] (NCHW RGB, a PyTorch export).");
        _input = input;
        InputSize = _channelsFirst ? d[2] : d[1];
        // Outputs by shape: scores end in 1, regressions in 16; one output per anchor layer in decreasing anchor count (finer
        // grid first, MediaPipe's graphs), or one output holding all anchors in that order (PyTorch exports).
        var outputs = session.OutputMetadata.Select(o => (o.Key, Dims: o.Value.Dimensions)).ToList();
        _scoreOutputs = outputs.Where(o => o.Dims.Length == 3 && o.Dims[2] == 1).OrderByDescending(o => o.Dims[1]).Select(o => o.Key).ToArray();
        _regressionOutputs = outputs.Where(o => o.Dims.Length == 3 && o.Dims[2] == AnchorBoxCodec.ValuesPerAnchor).OrderByDescending(o => o.Dims[1]).Select(o => o.Key).ToArray();
        Codec = AnchorBoxCodec.BlazeFace(InputSize);
        int scores = outputs.Where(o => _scoreOutputs.Contains(o.Key)).Sum(o => o.Dims[1]);
        bool layered = _scoreOutputs.Length == Codec.Layers.Count && _regressionOutputs.Length == Codec.Layers.Count;
        bool concatenated = _scoreOutputs.Length == 1 && _regressionOutputs.Length == 1;
        if (!(layered || concatenated) || scores != Codec.AnchorCount)
            throw new InvalidDataException($"{path}: expected BlazeFace's outputs ({Codec.Layers.Count} score and {Codec.Layers.Count} regression layers, {Codec.AnchorCount} anchors); the graph has {string.Join(", ", outputs.Select(o => $"{o.Key} [{string.Join(", ", o.Dims)}]"))}.");
    }

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>Side of the square input in pixels.</summary>
    public int InputSize { get; }
    /// <summary>How the outputs are decoded.</summary>
    public AnchorBoxCodec Codec { get; }

    /// <summary>Whether the ONNX file's metadata marks a shipped face detector (<c>keypointml.kind = face-detector</c>),
    /// as opposed to a keypoint model; reads the metadata only (no graph optimization).</summary>
    public static bool IsFaceDetector(string path) =>
        OnnxSessions.ReadSignature(path, session => KeypointModelMetadata.IsFaceDetector(session.ModelMetadata.CustomMetadataMap));

    /// <summary>Opens a detector; errors name the file. GPU and session settings as for keypoint models.</summary>
    public static FaceDetectorModel Open(string path, KeypointModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: face detector model not found.", path);
        var (session, owned, device) = OnnxSessions.Create(path, options ?? new KeypointModelOptions());
        try { return new FaceDetectorModel(path, session, owned) { Device = device }; }
        catch
        {
            session.Dispose();
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>Where the session runs: "CPU", "CUDA:N" (the CUDA provider was created), or "caller's session options".</summary>
    public string Device { get; private init; } = "CPU";

    /// <summary>The faces in <paramref name="image"/>, best score first.</summary>
    public IReadOnlyList<DetectedFace> Detect(MLImage image, FaceDetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new FaceDetectionOptions();
        options.Validate();
        var (tensor, letterbox) = Letterbox(image);
        var (logits, regressions) = Run(tensor);
        var candidates = AnchorBoxCodec.WeightedNms(Codec.Decode(logits, regressions, options.ScoreThreshold ?? FaceDetectionDefaults.ScoreThreshold), options.NmsOverlap);
        return candidates.Select(letterbox.ToImage)
            .Where(f => MathF.Max(f.Width, f.Height) >= options.MinFaceSize)
            .OrderByDescending(f => f.Score)
            .Take(options.MaxFaces)
            .ToList();
    }

    /// <summary>The faces in a decoded image, best score first: the image is copied into an <see cref="MLImage"/> (BGRA) and
    /// searched as <see cref="Detect(MLImage, FaceDetectionOptions?)"/> does, so both give the same faces.</summary>
    public IReadOnlyList<DetectedFace> Detect(Engine.ImagePixels image, FaceDetectionOptions? options = null)
    {
        var bgra = new byte[image.Width * image.Height * 4];
        Engine.PixelConversion.ToBgra32(image, bgra);
        using var copy = MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Bgra32, bgra);
        return Detect(copy, options);
    }

    /// <summary>Where the image sits in the square input: its resized size and the padding before it.</summary>
    internal readonly record struct LetterboxGeometry(int InputSize, int Width, int Height, int ResizedWidth, int ResizedHeight, int PadX, int PadY)
    {
        // Normalized input coordinate u -> image pixel centre coordinate: input pixel u S - 0.5, minus the padding, undone
        // resize (edges to edges, so the scale is resized / original), back to pixel centres.
        private float X(float u) => (u * InputSize - PadX) * Width / ResizedWidth - 0.5f;
        private float Y(float v) => (v * InputSize - PadY) * Height / ResizedHeight - 0.5f;

        public DetectedFace ToImage(AnchorBoxCodec.Candidate c)
        {
            var keypoints = new float[c.Keypoints.Length];
            for (int k = 0; k < keypoints.Length; k += 2)
            {
                keypoints[k] = X(c.Keypoints[k]);
                keypoints[k + 1] = Y(c.Keypoints[k + 1]);
            }
            float left = X(c.CenterX - c.Width / 2) + 0.5f, top = Y(c.CenterY - c.Height / 2) + 0.5f;
            float right = X(c.CenterX + c.Width / 2) + 0.5f, bottom = Y(c.CenterY + c.Height / 2) + 0.5f;
            // Box edges -> KeypointML's box (left, top as pixel-centre coordinates of the first pixel, width, height).
            return new DetectedFace(left - 0.5f, top - 0.5f, right - left, bottom - top, c.Score, keypoints);
        }
    }

    /// <summary>The NHWC RGB input in [-1, 1] and where the image sits in it.</summary>
    internal (float[] Tensor, LetterboxGeometry Geometry) Letterbox(MLImage image)
    {
        int s = InputSize, w = image.Width, h = image.Height;
        float scale = (float)s / Math.Max(w, h);
        int rw = Math.Clamp((int)MathF.Round(w * scale), 1, s), rh = Math.Clamp((int)MathF.Round(h * scale), 1, s);
        int padX = (s - rw) / 2, padY = (s - rh) / 2;
        var tensor = new float[s * s * 3];
        Array.Fill(tensor, -1f);
        var pixels = ImageResampler.ResizePixels(image, rw, rh);
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
            {
                int p = (y * rw + x) * 4, o = ((y + padY) * s + x + padX) * 3;
                byte r = bgra ? pixels[p + 2] : pixels[p], g = pixels[p + 1], b = bgra ? pixels[p] : pixels[p + 2];
                tensor[o] = r / 127.5f - 1f;
                tensor[o + 1] = g / 127.5f - 1f;
                tensor[o + 2] = b / 127.5f - 1f;
            }
        return (tensor, new LetterboxGeometry(s, w, h, rw, rh, padX, padY));
    }

    private (float[] Logits, float[] Regressions) Run(float[] tensor)
    {
        // Copied into memory ONNX Runtime allocated: a tensor over managed memory (AsMemory) is not pinned for the run, and
        // a garbage collection moving the array mid-run crashed the process (segmentation fault after ~100 images).
        int s = InputSize;
        using var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, _channelsFirst ? [1, 3, s, s] : [1, s, s, 3]);
        var target = value.GetTensorMutableDataAsSpan<float>();
        if (!_channelsFirst) tensor.CopyTo(target);
        else
            for (int i = 0; i < s * s; i++)
                for (int c = 0; c < 3; c++) target[c * s * s + i] = tensor[i * 3 + c];
        var names = _scoreOutputs.Concat(_regressionOutputs).ToArray();
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [_input], [value], names);
        var logits = new float[Codec.AnchorCount];
        var regressions = new float[Codec.AnchorCount * AnchorBoxCodec.ValuesPerAnchor];
        int offset = 0;
        for (int l = 0; l < _scoreOutputs.Length; l++)
        {
            var part = results[l].GetTensorDataAsSpan<float>();
            part.CopyTo(logits.AsSpan(offset));
            results[_scoreOutputs.Length + l].GetTensorDataAsSpan<float>().CopyTo(regressions.AsSpan(offset * AnchorBoxCodec.ValuesPerAnchor));
            offset += part.Length;
        }
        return (logits, regressions);
    }

    /// <summary>Frees the session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        _ownedOptions?.Dispose();
    }
}
