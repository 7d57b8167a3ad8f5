using FFMpegCore;
using FFMpegCore.Pipes;
using KeypointML.Engine;

namespace KeypointML.Tooling.Video;

/// <summary>
/// A video file decoded by ffmpeg (through FFMpegCore, which runs the ffmpeg and ffprobe programs the user installed) into
/// BGR24 frames at the video's own constant frame rate: frame i is at i / fps seconds. The container's rotation is applied
/// (a phone's portrait video comes out portrait). A frame ffmpeg cannot decode is concealed or dropped by ffmpeg itself;
/// a stream cut short ends at the last whole frame, reported as skipped.
/// </summary>
/// <remarks>Why ffmpeg over a process and not a native binding (OpenCvSharp's VideoCapture): the tool then carries no
/// native video code per OS, and reads whatever codecs the user's ffmpeg reads.</remarks>
public sealed class VideoFile : IFrameSource
{
    public VideoFile(string path)
    {
        Name = path;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such video file.", path);
        IMediaAnalysis probe;
        try { probe = FFProbe.Analyse(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: ffprobe could not read it as a video ({Reason(e)}). Reading video files needs ffmpeg and ffprobe on the PATH (Debian: apt-get install ffmpeg).", e);
        }
        var video = probe.PrimaryVideoStream ?? throw new InvalidDataException($"{path}: the file has no video stream.");
        if (video.Width is not > 0 || video.Height is not > 0) throw new InvalidDataException($"{path}: the video stream has no frame size.");
        bool quarterTurn = Math.Abs(video.Rotation) % 180 == 90;
        Width = quarterTurn ? video.Height.Value : video.Width.Value;
        Height = quarterTurn ? video.Width.Value : video.Height.Value;
        Fps = video.AverageFrameRate is > 0 and < 1000 ? video.AverageFrameRate : video.RealFrameRate;
        if (!(Fps > 0)) throw new InvalidDataException($"{path}: the video stream has no frame rate.");
        ExpectedFrames = (int)Math.Round(probe.Duration.TotalSeconds * Fps);
    }

    public string Name { get; }
    /// <summary>Frame size after the container's rotation.</summary>
    public int Width { get; }
    public int Height { get; }
    /// <summary>Frames per second (the stream's average rate; frames are given at this constant rate).</summary>
    public double Fps { get; }
    public int ExpectedFrames { get; }

    public void Read(FrameHandler frame, Action<int, string> skipped)
    {
        var sink = new RawFrameSink(Width, Height, Fps, frame, skipped);
        try
        {
            FFMpegArguments.FromFileInput(Name)
                .OutputToPipe(sink, o => o.WithCustomArgument("-an -sn -vsync cfr"))
                .ProcessSynchronously(throwOnError: true);
        }
        catch (Exception e) when (sink.HandlerFailure is null && e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{Name}: ffmpeg stopped after {sink.Frames} frame(s): {Reason(e)}", e);
        }
        // The tracker's own errors are the caller's, not ffmpeg's: rethrown as they were.
        if (sink.HandlerFailure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private static string Reason(Exception e) => (e.InnerException is { } inner && inner.Message.Length > 0 ? inner : e).Message.Trim();

    // Reads ffmpeg's raw BGR24 output a whole frame at a time and hands each over in place.
    private sealed class RawFrameSink(int width, int height, double fps, FrameHandler frame, Action<int, string> skipped) : IPipeSink
    {
        public int Frames { get; private set; }
        public Exception? HandlerFailure { get; private set; }

        public string GetStreamArguments() => "-f rawvideo -pix_fmt bgr24";

        public async Task ReadAsync(Stream input, CancellationToken cancellationToken)
        {
            var buffer = new byte[checked(width * height * 3)];
            while (true)
            {
                int got = await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (got == 0) return;
                if (got < buffer.Length)
                {
                    skipped(Frames, $"the stream ended within the frame ({got} of {buffer.Length} bytes)");
                    return;
                }
                if (HandlerFailure is not null) continue;   // drain ffmpeg's output so that it can exit
                try { frame(Frames, Frames / fps, new ImagePixels(buffer, width, height, PixelFormat.Bgr24)); }
                catch (Exception e) { HandlerFailure = e; }
                Frames++;
            }
        }
    }
}
