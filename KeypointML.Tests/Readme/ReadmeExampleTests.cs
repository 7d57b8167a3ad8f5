using KeypointML.Analysis;
using KeypointML.Detection;
using KeypointML.Engine;
using KeypointML.Tracking;
using KeypointML.Tests.Data;
using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Tests.Packaging;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Readme;

/// <summary>
/// The README's "C# pipeline example", compiled and run: this file holds every line of it in order (a test checks that;
/// the usings at the top, the statements in <see cref="Example"/>, the row classes after it), run on the repository's
/// models/imm-nose.onnx and the IMM validation faces.
/// </summary>
public sealed class ReadmeExampleTests
{
    /// <summary>imm-nose's validation MSE as its model card (models/imm-nose.md) and <c>keypointml evaluate</c> give it.</summary>
    private const double CardMse = 0.0009353191693718175;

    private const string Section = "## C# pipeline example";

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void The_example_runs_and_gives_the_model_cards_figure()
    {
        string? before = Environment.GetEnvironmentVariable(ShippedModels.FolderVariable);
        KeypointMetrics metrics;
        try
        {
            // What the KeypointML.Models package does for an application: the models by name.
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, Path.Combine(RepositoryFiles.Root(), "models"));
            metrics = Example();
        }
        finally
        {
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, before);
        }
        TestContext.Out.WriteLine(metrics.ToJson());
        Assert.That(metrics.Count, Is.EqualTo(48));
        Assert.That(metrics.Mse, Is.EqualTo(CardMse).Within(1e-9));
        Assert.That(metrics.MeanPixelError, Is.EqualTo(19.442869050241995).Within(1e-6));
    }

    [Test]
    public void The_readme_shows_the_code_of_the_example() => AssertReadmeBlockIsHere(Section, minimumLines: 20);

    private const string PhotoSection = "## Photos in, every face's 68 points out";

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS and the working directory, process-wide
    public void The_photo_example_runs_on_a_real_photo_and_finds_its_face()
    {
        string? before = Environment.GetEnvironmentVariable(ShippedModels.FolderVariable);
        string cwd = Environment.CurrentDirectory;
        using var folder = new TempFolder();
        try
        {
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, Path.Combine(RepositoryFiles.Root(), "models"));
            // The README's "photo.jpg": a real IMM photo (640x480, one face) in the working directory.
            File.Copy(KeypointDatasets.Load(new MLContext(0), "imm-val").Rows.First().ImagePath, Path.Combine(folder.Path, "photo.jpg"));
            Environment.CurrentDirectory = folder.Path;
            var faces = PhotoExample();
            Assert.That(faces, Has.Count.EqualTo(1));
            Assert.That(faces[0].Landmarks, Has.Count.EqualTo(68));
            Assert.That(faces[0]["nose_tip"].X, Is.InRange(0, 640));
            Assert.That(faces[0].Score, Is.GreaterThan(0.9f));
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
            Environment.SetEnvironmentVariable(ShippedModels.FolderVariable, before);
        }
    }

    [Test]
    public void The_readme_shows_the_code_of_the_photo_example() => AssertReadmeBlockIsHere(PhotoSection, minimumLines: 4);

    // The README's photo example (its usings are at the top of this file), collecting the faces it prints.
    private static List<Face> PhotoExample()
    {
        var found = new List<Face>();
        using var landmarker = FaceLandmarker.Open();   // ibug68-heatmap-int8 + yunet (+ ibug68-small); thread-safe
        foreach (Face face in landmarker.Detect("photo.jpg"))   // or Detect(stream), Detect(bytes), Detect(pixels), DetectAsync(...)
        {
            Console.WriteLine($"face {face.Index} (score {face.Score:F2}): nose tip at ({face["nose_tip"].X:F0}, {face["nose_tip"].Y:F0}), {face.Landmarks.Count} named points");
            found.Add(face);
        }
        return found;
    }

    private const string PixelsSection = "## Decoded frames: camera, video, SkiaSharp, ImageSharp, OpenCV";

    [Test]
    public void The_readme_shows_the_code_of_the_pixels_example() => AssertReadmeBlockIsHere(PixelsSection, minimumLines: 3);

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void The_pixels_example_finds_the_face_of_a_decoded_bitmap()
    {
        var faces = RepositoryFiles.WithRepositoryModels(() =>
        {
            using var bitmap = SkiaSharp.SKBitmap.Decode(KeypointDatasets.Load(new MLContext(0), "imm-val").Rows.First().ImagePath);
            using var landmarker = FaceLandmarker.Open();
            return PixelsExample(landmarker, bitmap);
        });
        Assert.That(faces, Has.Count.EqualTo(1));
        Assert.That(faces[0].Landmarks, Has.Count.EqualTo(68));
    }

    // The README's pixels example: an SKBitmap's own memory, read in place.
    private static IReadOnlyList<Face> PixelsExample(FaceLandmarker landmarker, SkiaSharp.SKBitmap bitmap)
    {
        var pixels = new ImagePixels(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height,
            bitmap.ColorType == SkiaSharp.SKColorType.Bgra8888 ? PixelFormat.Bgra32 : PixelFormat.Rgba32, bitmap.RowBytes);
        IReadOnlyList<Face> faces = landmarker.Detect(pixels);
        return faces;
    }

    private const string AnalysisSection = "## What to do with the points: aligned faces, head pose, eyes and mouth";

    [Test]
    public void The_readme_shows_the_code_of_the_analysis_example() => AssertReadmeBlockIsHere(AnalysisSection, minimumLines: 6);

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void The_analysis_example_gives_a_chip_a_pose_and_open_eyes()
    {
        var (chip, pose, openness) = RepositoryFiles.WithRepositoryModels(() => AnalysisExample(Path.Combine(KeypointDataPaths.Imm, "01-4m.jpg")));
        Assert.That(chip.Size, Is.EqualTo(112));
        Assert.That(chip.Pixels, Has.Length.EqualTo(112 * 112 * 4));
        Assert.That(pose.Yaw, Is.InRange(15f, 50f), "IMM type 4: the subject turned about 30 degrees to their left");
        Assert.That(MathF.Abs(pose.Roll), Is.LessThan(10f));
        Assert.That(openness.Eyes, Is.GreaterThan(FaceOpenness.ClosedEye), "the eyes are open");
    }

    // The README's analysis example.
    private static (FaceChip, HeadPose, FaceOpenness) AnalysisExample(string path)
    {
        using var landmarker = FaceLandmarker.Open();
        using var bitmap = SkiaSharp.SKBitmap.Decode(path);   // or the decoded frame you already hold
        var pixels = new ImagePixels(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height, PixelFormat.Bgra32, bitmap.RowBytes);
        Face face = landmarker.Detect(pixels)[0];
        FaceChip chip = face.Chip(pixels);                 // 112 x 112, ArcFace template, for face recognition
        HeadPose pose = face.Pose!.Value;                  // degrees: yaw > 0 = turned to their left, pitch > 0 = looking up
        FaceOpenness open = face.Openness!.Value;          // eye aspect ratio < 0.2: eyes closed; mouth > 0.3: open
        Console.WriteLine($"yaw {pose.Yaw:F0}, pitch {pose.Pitch:F0}, roll {pose.Roll:F0}; eyes {open.Eyes:F2}, mouth {open.Mouth:F2}");
        return (chip, pose, open);
    }

    private const string TrackingSection = "## Faces through video";

    [Test]
    public void The_readme_shows_the_code_of_the_tracking_example() => AssertReadmeBlockIsHere(TrackingSection, minimumLines: 8);

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void The_tracking_example_follows_one_face_through_the_frames()
    {
        var photo = Path.Combine(KeypointDataPaths.Imm, "05-1m.jpg");
        Assert.That(RepositoryFiles.WithRepositoryModels(() => TrackingExample([photo, photo, photo, photo])), Is.EqualTo(new[] { 0, 0, 0, 0 }));
    }

    // The README's tracking example, collecting the identities it prints.
    private static List<int> TrackingExample(string[] files)
    {
        var ids = new List<int>();
        using var detector = FaceDetectors.Open(ShippedModels.Path("yunet"));
        using var landmarks = KeypointModel.Open(ShippedModels.Path("ibug68-fast"));
        var tracker = new FaceTracker(new FaceEngine(detector, landmarks));   // one tracker per stream; the engine can be shared
        for (int i = 0; i < files.Length; i++)
        {
            using var bitmap = SkiaSharp.SKBitmap.Decode(files[i]);   // or your camera's or video's decoded frame
            var pixels = new ImagePixels(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height, PixelFormat.Bgra32, bitmap.RowBytes);
            foreach (TrackedFace face in tracker.Track(pixels, i / 30.0))   // frame time in seconds
            {
                Console.WriteLine($"frame {i}: face {face.Id}, nose tip ({face.Keypoints[60]:F0}, {face.Keypoints[61]:F0})");
                ids.Add(face.Id);
            }
        }
        return ids;
    }

    private const string PhotoPipelineSection = "## Photos in an ML.NET pipeline";

    [Test]
    public void The_readme_shows_the_code_of_the_photo_pipeline_example() => AssertReadmeBlockIsHere(PhotoPipelineSection, minimumLines: 6);

    [Test, NonParallelizable] // sets KEYPOINTML_MODELS, process-wide
    public void The_photo_pipeline_example_gives_one_row_per_face_with_FaceLandmarkers_points()
    {
        var photos = new[] { "01-1m", "05-1m" }.Select(n => Path.Combine(KeypointDataPaths.Imm, n + ".jpg")).ToArray();
        var (paths, points) = RepositoryFiles.WithRepositoryModels(() => PhotoPipelineExample(photos));
        Assert.That(paths, Is.EqualTo(photos), "one face per IMM photo, one row per face");
        var expected = RepositoryFiles.WithRepositoryModels(() =>
        {
            using var landmarker = FaceLandmarker.Open("ibug68-fast", "yunet");
            return photos.Select(p => landmarker.Find(p).Single().Keypoints).ToList();
        });
        for (int i = 0; i < photos.Length; i++)
            Assert.That(points[i], Is.EqualTo(expected[i]).Within(1e-4), photos[i]);
    }

    // The README's photo pipeline example, returning the rows it prints.
    private static (List<string> Paths, List<float[]> Points) PhotoPipelineExample(string[] files)
    {
        var ml = new MLContext();
        IDataView photos = ml.Data.LoadFromEnumerable(files.Select(f => new PhotoRow { ImagePath = f }));
        IDataView faces = ml.Transforms.DetectFaces(new FaceDetectingOptions { DetectorPath = ShippedModels.Path("yunet") })
            .Fit(photos).Transform(photos);                                // FaceCount, FaceBoxes, ... per photo
        IDataView perFace = ml.Transforms.ExpandFaces().Fit(faces).Transform(faces);   // one row per face, Box = its 300-W box
        IDataView scored = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = ShippedModels.Path("ibug68-fast"), BoxColumnName = KeypointColumns.Box,
        }).Fit(perFace).Transform(perFace);
        var paths = new List<string>();
        var points = new List<float[]>();
        foreach (var face in ml.Data.CreateEnumerable<ScoredFace>(scored, reuseRowObject: false))
        {
            Console.WriteLine($"{face.ImagePath} face {face.FaceIndex}: nose tip ({face.Keypoints[60]:F0}, {face.Keypoints[61]:F0})");
            paths.Add(face.ImagePath);
            points.Add(face.Keypoints);
        }
        return (paths, points);
    }

    private static void AssertReadmeBlockIsHere(string section, int minimumLines)
    {
        string root = RepositoryFiles.Root();
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        int heading = Array.IndexOf(readme, section);
        Assert.That(heading, Is.GreaterThanOrEqualTo(0), $"README.md has no '{section}' heading");
        int open = Array.FindIndex(readme, heading, l => l == "```csharp");
        int close = Array.FindIndex(readme, open + 1, l => l == "```");
        Assert.That(open, Is.GreaterThan(heading));
        Assert.That(close, Is.GreaterThan(open));
        var shown = Code(readme[(open + 1)..close]);

        // Every line the README shows is in this file, in the same order; the file adds the method around the statements.
        var source = Code(File.ReadAllLines(Path.Combine(root, "KeypointML.Tests", "Readme", "ReadmeExampleTests.cs")));
        int at = 0;
        foreach (var line in shown)
        {
            int found = source.IndexOf(line, at);
            Assert.That(found, Is.GreaterThanOrEqualTo(0), $"the README's line '{line}' is not in ReadmeExampleTests.cs (after line '{(at > 0 ? source[at - 1] : "")}')");
            at = found + 1;
        }
        Assert.That(shown, Has.Count.GreaterThanOrEqualTo(minimumLines));
    }

    /// <summary>Non-empty lines without indentation.</summary>
    private static List<string> Code(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    // The README's example from here (its usings are at the top of this file) ...
    private static KeypointMetrics Example()
    {
        var ml = new MLContext();

        // Image file paths in an IDataView, with the labelled nose tip (IMM point 52) to evaluate against.
        FaceRow[] faces = KeypointDatasets.Load(ml, "imm-val").Rows
            .Select(r => new FaceRow { ImagePath = r.ImagePath, Label = [r.Keypoints[104], r.Keypoints[105]] })
            .ToArray();
        IDataView data = ml.Data.LoadFromEnumerable(faces);

        // Load, grayscale, resize, score with the ONNX model, decode to pixels of the original image.
        ITransformer detector = ml.Transforms.DetectKeypoints(ShippedModels.Path("imm-nose")).Fit(data);

        // One image at a time.
        var engine = ml.Model.CreatePredictionEngine<FaceRow, Detection>(detector);
        Detection one = engine.Predict(new FaceRow { ImagePath = faces[0].ImagePath });
        Console.WriteLine($"nose tip at x = {one.Keypoints[0]:F1}, y = {one.Keypoints[1]:F1} px");

        // A batch: Transform streams over all rows, EvaluateKeypoints compares Keypoints with Label.
        IDataView scored = detector.Transform(data);
        KeypointMetrics metrics = ml.EvaluateKeypoints(scored);
        Console.WriteLine($"MSE {metrics.Mse:F6}, mean error {metrics.MeanPixelError:F1} px on {metrics.Count} faces");
        return metrics;
    }

    public class FaceRow
    {
        public string ImagePath { get; set; } = "";
        public float[] Label { get; set; } = [];
    }

    public class Detection
    {
        public float[] Keypoints { get; set; } = [];
    }
    // ... to here.

    public class PhotoRow
    {
        public string ImagePath { get; set; } = "";
    }

    public class ScoredFace
    {
        public string ImagePath { get; set; } = "";
        public int FaceIndex { get; set; }
        public float[] Keypoints { get; set; } = [];
    }
}
