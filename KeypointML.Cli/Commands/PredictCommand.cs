using KeypointML.Tooling.Report;
using System.CommandLine;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Plots;
using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Models;
using Microsoft.ML;

namespace KeypointML.Cli;

/// <summary><c>keypointml predict --model M --data D --out preds.csv [--overlays DIR] [--refine ...] [--limit N] [--shard i/n]
/// [--resume] [--chunk-size N] [--strict]</c>. A face that cannot be scored (unreadable image, unusable box) gets a
/// warning line on stderr and no row; the exit code stays 0 unless <c>--strict</c>. The CSV is written chunk by chunk
/// (<see cref="ChunkedCsv"/>), so a stopped run continues with <c>--resume</c>.</summary>
public sealed class PredictCommand : ICliCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var data = ModelOptions.Data();
        var output = new Option<string>("--out", "-o")
        {
            Description = "Predictions CSV: header image,x0,y0,x1,y1,...; one row per face; image as the dataset names it (path relative to the XML/CSV/folder); 0-based pixels of the original image.",
            Required = true,
        };
        var overlays = new Option<string?>("--overlays") { Description = "Folder for pictures of the predictions (red) and, where labelled, the truth (green); one PNG per image (with --track: one per frame, frame_000000.png, ..., with each face's id and crop)." };
        var limit = ModelOptions.Limit();
        var refine = ModelOptions.Refine();
        var flip = ModelOptions.Flip();
        var reduced = ModelOptions.ReducedDecoding();
        var noShapePrior = ModelOptions.NoShapePrior();
        var findFaces = new Option<bool>("--faces") { Description = "Find the faces with the face detector instead of using the dataset's boxes (photo in, every face's points out); the CSV gets face,score,left,top,width,height after the points." };
        var detector = DetectFacesCommand.Detector();
        var threshold = DetectFacesCommand.Threshold();
        var minFace = DetectFacesCommand.MinFace();
        var secondLook = DetectFacesCommand.SecondLook();
        var extra = DetectFacesCommand.ExtraSearchesOption();
        var smallFaceModel = DetectFacesCommand.SmallFaceModel();
        var smallFaceWidth = DetectFacesCommand.SmallFaceWidth();
        var threads = new Option<int?>("--threads") { Description = "With --faces: ONNX Runtime threads per session (intra- and inter-op; default: ONNX Runtime's)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a stopped run with the same arguments: chunks already written (OUT.parts/) are kept, the rest are scored; the CSV is assembled at the end." };
        var shard = new Option<string?>("--shard") { Description = "i/n: score only the i-th (0-based) of n contiguous blocks of the faces, for a scheduler that runs n copies (a Kubernetes indexed job, a Slurm array, a CI matrix); the n CSVs concatenated in order (headers dropped) are the whole run's." };
        var chunkSize = new Option<int>("--chunk-size") { Description = "Faces per chunk written to OUT.parts/ (what a stopped run keeps).", DefaultValueFactory = _ => 500 };
        var maxChunks = new Option<int?>("--max-chunks") { Description = "Write at most this many new chunks, then stop without assembling the CSV (a time-boxed job); continue later with --resume." };
        var strict = new Option<bool>("--strict") { Description = "Exit with code 3 when any face could not be scored (after writing the others)." };
        var track = new Option<bool>("--track") { Description = "--data is a folder of consecutive frames (name order) or a video file (decoded by ffmpeg, which must be installed): follow the faces through them (FaceTracker: crops from the last frame's points, the detector every --detect-every frames or when a face is lost, identities, One Euro smoothing); one row per face per frame: frame,time,face,x0,y0,...,found." };
        var fps = new Option<double>("--fps") { Description = "With --track on a folder: frames per second (the rows' time and the smoothing's clock; a video file has its own).", DefaultValueFactory = _ => 30 };
        var detectEvery = new Option<int?>("--detect-every") { Description = "With --track: run the detector every N frames (default 10; 1 = every frame)." };
        var minCutoff = new Option<float?>("--min-cutoff") { Description = "With --track: the One Euro filter's cutoff at rest, Hz (lower = steadier still faces, more lag)." };
        var beta = new Option<float?>("--beta") { Description = "With --track: the One Euro filter's beta, per inter-ocular distance per second (higher = less lag in motion, more jitter)." };
        var motion = new Option<float?>("--motion-prediction") { Description = "With --track: how far each face's next crop moves on by its last velocity (0 = where it was, 1 = where it would be at the same speed; default 0.5)." };
        var noSmoothing = new Option<bool>("--no-smoothing") { Description = "With --track: the raw points, no One Euro filter." };
        var wholeImage = new Option<bool>("--whole-image") { Description = "On a folder of photos with a model trained on face boxes: score each whole photo as one face instead of finding the faces." };
        var chips = new Option<string?>("--chips") { Description = "With --faces: a folder for every face's aligned chip (112 x 112 PNG, the ArcFace five-point template; 68-point models)." };
        var passes = new Option<int>("--passes") { Description = "With --faces: 1 = score the detector's mapped box; 2 = score again around the first pass's points.", DefaultValueFactory = _ => 1 };
        var command = new Command("predict", "Predict keypoints for every face of a dataset, an XML or box CSV (uses its boxes) or a folder of images (each whole image is the face; with --faces the detector finds them).")
        {
            model, data, output, overlays, refine, flip, reduced, noShapePrior, limit, findFaces, track, fps, detectEvery, minCutoff, beta, motion, noSmoothing, wholeImage, detector, threshold, minFace, secondLook, extra, smallFaceModel, smallFaceWidth, chips, passes, threads, resume, shard, chunkSize, maxChunks, strict,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var csv = parse.GetValue(output)!;
            if (Directory.Exists(csv)) throw new ArgumentException($"--out {csv} is a folder; give the CSV file to write.");
            if (parse.GetValue(track))
            {
                var frames = Tooling.Video.FrameSources.Open(parse.GetValue(data)!, parse.GetValue(fps));
                var defaults = new KeypointML.Tracking.FaceTrackerOptions();
                var engineOptions = new Engine.FaceEngineOptions { Detection = DetectFacesCommand.Detection(parse, threshold, minFace, secondLook, extra), SmallFaceWidth = parse.GetValue(smallFaceWidth) };
                var options = defaults with
                {
                    DetectEvery = parse.GetValue(detectEvery) ?? defaults.DetectEvery,
                    MinCutoff = parse.GetValue(noSmoothing) ? float.PositiveInfinity : parse.GetValue(minCutoff) ?? defaults.MinCutoff,
                    Beta = parse.GetValue(beta) ?? defaults.Beta,
                    MotionPrediction = parse.GetValue(motion) ?? defaults.MotionPrediction,
                };
                var summary = ConsoleProgress.Run("tracking", frames.ExpectedFrames, tick => FrameTracking.Run(ModelsFolder.ResolveModel(parse.GetValue(model)!),
                    ModelsFolder.ResolveModel(parse.GetValue(detector)!), parse.GetValue(smallFaceModel), frames, csv, engineOptions, options, parse.GetValue(threads), i => tick(Math.Min(i, frames.ExpectedFrames)), parse.GetValue(overlays)));
                foreach (var problem in summary.Problems) CliApp.Error.WriteLine($"warning: {problem}");
                CliApp.Out.WriteLine(FormattableString.Invariant(
                    $"{summary.Rows} face rows in {summary.Frames} frames -> {csv}; detector on {summary.DetectorRuns} frames; {summary.MsPerFrame:F1} ms per frame{(summary.Skipped > 0 ? $" ({summary.Skipped} frame(s) skipped, see the warnings)" : "")}"));
                return 0;
            }
            // A folder of photos has no face boxes: a model trained on face boxes then finds the faces first (a whole-image
            // model, as the IMM ones, keeps the whole image), unless --whole-image asks for the old behaviour.
            bool detect = parse.GetValue(findFaces);
            if (!detect && !parse.GetValue(wholeImage) && Directory.Exists(parse.GetValue(data)) && IsFaceBoxModel(ModelsFolder.ResolveModel(parse.GetValue(model)!)))
            {
                CliApp.Error.WriteLine("note: a folder of photos and a face-box model: finding the faces first (--faces); --whole-image scores each whole photo as one face.");
                detect = true;
            }
            if (detect)
                return PredictFaces(parse.GetValue(model)!, parse.GetValue(data)!, csv, parse.GetValue(detector)!, DetectFacesCommand.Detection(parse, threshold, minFace, secondLook, extra),
                    (parse.GetValue(smallFaceModel)!, parse.GetValue(smallFaceWidth)),
                    parse.GetValue(refine), parse.GetValue(passes), parse.GetValue(limit), parse.GetValue(overlays), parse.GetValue(threads), parse.GetValue(flip), parse.GetValue(chips));
            var modelPath = ModelsFolder.ResolveModel(parse.GetValue(model)!);
            var choices = new ScoringChoices(parse.GetValue(refine), parse.GetValue(flip), parse.GetValue(reduced), !parse.GetValue(noShapePrior));
            using var run = ModelOnDataset.Open(new MLContext(seed: 0), modelPath, parse.GetValue(data)!, requireTruth: false, parse.GetValue(limit), choices);
            var (start, count) = ChunkedCsv.Shard(parse.GetValue(shard), run.CountFaces());
            var described = $"model {Path.GetFullPath(modelPath)} ({new FileInfo(modelPath).Length} bytes)\ndata {parse.GetValue(data)}\nlimit {parse.GetValue(limit)}\n{choices}\nshard {parse.GetValue(shard)} = {start}+{count}";
            var chunks = new ChunkedCsv(csv, described, count, parse.GetValue(chunkSize), parse.GetValue(resume));
            int kept = chunks.DoneCount;
            if (kept > 0) CliApp.Out.WriteLine($"resuming: {kept} of {chunks.Chunks} chunk(s) already written");
            var faces = new List<FacePrediction>();
            int bad = 0, written = 0;
            int? budget = parse.GetValue(maxChunks);
            if (budget is < 1) throw new ArgumentException($"--max-chunks must be at least 1; got {budget}.");
            ConsoleProgress.Faces("predicting", () => count - kept * chunks.ChunkSize, tick =>
            {
                for (int c = 0; c < chunks.Chunks; c++)
                {
                    if (chunks.IsDone(c)) continue;
                    if (written == budget) break;
                    var (from, n) = chunks.Range(c);
                    var chunk = run.Predict(start + from, n, tick);
                    foreach (var face in ModelOnDataset.BadFaces(chunk))
                    {
                        CliApp.Error.WriteLine($"warning: not scored: {face.Error}");
                        bad++;
                    }
                    chunks.Write(c, PredictionCsv.Rows(chunk, run.ImageNames));
                    faces.AddRange(chunk);
                    written++;
                }
                return faces;
            });
            if (chunks.DoneCount < chunks.Chunks)
            {
                CliApp.Out.WriteLine($"stopped after {written} chunk(s): {chunks.DoneCount} of {chunks.Chunks} written to {csv}.parts; continue with --resume");
                return 0;
            }
            chunks.Finish(PredictionCsv.Header(run.Model.Metadata.KeypointCount));
            CliApp.Out.WriteLine($"{count - bad} faces -> {csv}{(bad > 0 ? $" ({bad} could not be scored; see the warnings)" : "")}");
            if (parse.GetValue(overlays) is string folder)
            {
                int pictures = KeypointOverlays.Write(folder, faces, run.ImageNames);
                CliApp.Out.WriteLine($"{pictures} pictures -> {folder}{(run.HasTruth ? " (red: predicted, green: labelled)" : " (red: predicted)")}");
            }
            return bad > 0 && parse.GetValue(strict) ? 3 : 0;
        }));
        return command;
    }

    // From the metadata alone (the model is opened for work afterwards): whole-image models crop at scale 1, unsquared.
    private static bool IsFaceBoxModel(string path)
    {
        var metadata = OnnxSessions.ReadSignature(path, session => KeypointModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, path));
        return metadata.CropSquare || metadata.CropScale != 1f;
    }

    // Photo in, faces out: every distinct image of the dataset (its boxes unused), one CSV row per face found.
    private static int PredictFaces(string modelName, string spec, string csv, string detectorName, FaceDetectionOptions detection, (string Model, float Width) smallFaces, HeatmapRefinement? refinement, int passes, int? limit, string? overlays, int? threads, bool flip, string? chips)
    {
        if (passes is not (1 or 2)) throw new ArgumentException($"--passes must be 1 or 2; got {passes}.");
        var ml = new MLContext(seed: 0);
        var rows = KeypointDatasets.Load(ml, spec).Rows;
        var paths = rows.Select(r => r.ImagePath).Distinct().ToList();
        if (limit is int n) paths = paths.Take(n).ToList();
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1; got {threads}.");
        var sessions = new KeypointModelOptions { IntraOpNumThreads = threads, InterOpNumThreads = threads };
        using var detector = FaceDetectors.Open(ModelsFolder.ResolveModel(detectorName), sessions);
        using var landmarks = KeypointModel.Open(ModelsFolder.ResolveModel(modelName), sessions);
        using var small = ModelsFolder.ResolveSmallFaceModel(smallFaces.Model, landmarks.Metadata.KeypointCount) is string smallPath ? KeypointModel.Open(smallPath, sessions) : null;
        var finder = new FaceLandmarker(detector, landmarks, small)
        {
            Detection = detection, Refinement = refinement, Passes = passes, FlipAveraging = flip, SmallFaceWidth = smallFaces.Width,
        };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var found = ConsoleProgress.Run("finding faces", 1, _ => finder.Find(paths));
        PredictionCsv.WriteFaces(csv, found, landmarks.Metadata.KeypointCount, DatasetImageNames.For(spec));
        CliApp.Out.WriteLine(FormattableString.Invariant($"{found.Count} faces in {paths.Count} images -> {csv} ({sw.Elapsed.TotalMilliseconds / Math.Max(1, paths.Count):F1} ms per image, all threads)"));
        if (chips is not null)
            CliApp.Out.WriteLine($"{ChipWriter.Write(chips, found, DatasetImageNames.For(spec))} chips -> {chips}");
        if (overlays is not null)
        {
            int pictures = FaceOverlays.Write(overlays, found, DatasetImageNames.For(spec));
            CliApp.Out.WriteLine($"{pictures} pictures -> {overlays} (yellow: detector box, red: points, cyan: the aligned chip, red/green/blue: the head's axes)");
        }
        return 0;
    }
}
