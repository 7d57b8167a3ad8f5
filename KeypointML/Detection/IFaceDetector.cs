using KeypointML.Engine;

namespace KeypointML.Detection;

/// <summary>
/// A face detector: a decoded image in, every face's box, score and the detector's own few points out (in the image's
/// pixels, best score first). Implemented by <see cref="YuNetDetector"/> (photos, faces of every size) and
/// <see cref="FaceDetectorModel"/> (BlazeFace front, selfies). Thread-safe for detection.
/// </summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>The model file.</summary>
    string Path { get; }
    /// <summary>Where the session runs ("CPU", "CUDA:N", ...).</summary>
    string Device { get; }
    /// <summary>The faces in <paramref name="image"/>, best score first.</summary>
    IReadOnlyList<DetectedFace> Detect(ImagePixels image, FaceDetectionOptions? options = null);
}

/// <summary>Opens whichever face detector a file holds.</summary>
public static class FaceDetectors
{
    /// <summary>Opens <paramref name="path"/> as a <see cref="YuNetDetector"/> or a BlazeFace <see cref="FaceDetectorModel"/>,
    /// by its graph's outputs; errors name the file.</summary>
    public static IFaceDetector Open(string path, Models.KeypointModelOptions? options = null) =>
        YuNetDetector.IsYuNet(path) ? YuNetDetector.Open(path, options) : FaceDetectorModel.Open(path, options);
}
