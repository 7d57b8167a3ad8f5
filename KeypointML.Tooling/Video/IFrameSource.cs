using KeypointML.Engine;

namespace KeypointML.Tooling.Video;

/// <summary>Called for each frame in order: its index in the stream, its time in seconds, its pixels (valid only during
/// the call).</summary>
public delegate void FrameHandler(int index, double time, ImagePixels frame);

/// <summary>Consecutive frames of one stream (a folder of pictures, a video file), decoded one at a time.</summary>
public interface IFrameSource
{
    /// <summary>What the frames come from, for messages.</summary>
    string Name { get; }

    /// <summary>How many frames the source expects to give (a video's count is its container's estimate).</summary>
    int ExpectedFrames { get; }

    /// <summary>Decodes every frame in order and hands it to <paramref name="frame"/>. A frame that cannot be decoded is
    /// reported to <paramref name="skipped"/> with its index and the cause, and the stream goes on; a source that cannot
    /// be read at all throws, naming it.</summary>
    void Read(FrameHandler frame, Action<int, string> skipped);
}

/// <summary>Opens the frame source a path names: a folder of frames or a video file.</summary>
public static class FrameSources
{
    /// <summary>A folder: its pictures in name order at <paramref name="folderFps"/> frames per second. A file: a video
    /// decoded by ffmpeg at its own frame rate.</summary>
    public static IFrameSource Open(string path, double folderFps) =>
        Directory.Exists(path) ? new FrameFolder(path, folderFps)
        : File.Exists(path) ? new VideoFile(path)
        : throw new FileNotFoundException($"{path}: no such folder of frames or video file.", path);
}
