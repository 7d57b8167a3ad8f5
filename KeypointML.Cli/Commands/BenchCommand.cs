using KeypointML.Models;
using System.CommandLine;
using KeypointML.Data;
using KeypointML.Codecs;
using KeypointML.Tooling.Bench;
using KeypointML.Tooling.Inference;
using Microsoft.ML;

namespace KeypointML.Cli;

/// <summary>
/// <c>keypointml bench [--model M] [--data D]</c>: faces per second through the ML.NET pipeline on real images (single
/// image and batched), and the scoring step alone against ONNX Runtime called directly.
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "KeypointML ONNX model (path or name in the models folder); default: a built 1x224x224 conv regressor with 68 points, scoring comparison only." };
        var data = ModelOptions.Data(required: false);
        data.Description = "Images to time the pipeline on; default the model's evaluation set (imm-val for IMM models, ibug-test for 68 points). " + data.Description;
        var images = new Option<int>("--images") { Description = "Faces (and random tensors for the scoring comparison) per timed run.", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "Rows per ONNX Runtime run, for the direct runs and the pipeline's Transform (ScoreKeypoints BatchSize)", DefaultValueFactory = _ => 16 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats per path (the best is kept)", DefaultValueFactory = _ => 3 };
        var stages = new Option<bool>("--stages") { Description = "With --model: ms per face of each stage of the per-face call (JPEG decode, crop+grey+resize+normalize, model run single and batched, output decode) and of the whole call on a decoded image (the peers' scope)." };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime threads (intra- and inter-op) for --stages; pin the process too (taskset -c 0) for a one-core figure." };
        var json = new Option<bool>("--json") { Description = "With --stages: one line of JSON (msPerFaceDecodeJpeg, msPerFaceDecodeJpegReduced, msPerFacePreprocess, msPerFaceModel, msPerFaceModelBatched, msPerFaceDecodeOutput, msPerFaceTotal, msPerFacePipeline, msPerFacePipelineFromFile, msPerFacePipelineFromFileReduced, msPerPhotoDetector)." };
        var detector = new Option<string?>("--detector") { Description = "With --stages: also time this face detector per photo (e.g. blazeface-front)." };
        var soak = new Option<int?>("--soak") { Description = "With --model: this many scorings from --callers threads through one thread-safe KeypointPredictor; prints faces/s and the resident memory after a warm-up, halfway and at the end." };
        var photos = new Option<string?>("--photos") { Description = "A folder of photos (searched recursively: .jpg, .jpeg, .png): ms per photo and per face of each stage of the photo path (decode, detect, crop, landmarks, decode output) with --model (default ibug68-fast) and --detector (default yunet); --threads 1 and taskset -c 0 for a one-core figure; --json for one line." };
        var minFace = DetectFacesCommand.MinFace();
        var extra = DetectFacesCommand.ExtraSearchesOption();
        var callers = new Option<int>("--callers") { Description = "Threads calling the predictor in --soak.", DefaultValueFactory = _ => 8 };
        var command = new Command("bench", "Speed on this machine: faces/s and ms/face through the ML.NET pipeline (PredictionEngine and Transform) on real images, and ML.NET scoring vs ONNX Runtime directly.")
        {
            model, data, images, batch, repeats, stages, threads, json, detector, soak, callers, photos, minFace, extra,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            int n = parse.GetValue(images), b = parse.GetValue(batch), r = parse.GetValue(repeats);
            if (n < 1 || b < 1 || r < 1) throw new ArgumentException($"--images, --batch and --repeats must be at least 1; got {n}, {b}, {r}.");
            var output = CliApp.Out;
            string? modelPath = parse.GetValue(model) is string given ? ModelsFolder.ResolveModel(given) : null;
            if (parse.GetValue(photos) is string folder)
            {
                if (!Directory.Exists(folder)) throw new ArgumentException($"--photos {folder}: no such folder.");
                if (parse.GetValue(threads) is < 1) throw new ArgumentException("--threads must be at least 1.");
                var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                    .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png").Order(StringComparer.Ordinal).Take(n).ToList();
                if (files.Count == 0) throw new ArgumentException($"--photos {folder}: no .jpg, .jpeg or .png files.");
                var detection = new KeypointML.Detection.FaceDetectionOptions
                {
                    MinFaceSize = parse.GetValue(minFace) ?? KeypointML.Detection.FaceDetectionDefaults.MinFaceSize,
                    ExtraSearches = DetectFacesCommand.ExtraSearchesValue(parse, extra),
                };
                var times = PhotoBenchmark.Run(modelPath ?? ModelsFolder.ResolveModel("ibug68-fast"), ModelsFolder.ResolveModel(parse.GetValue(detector) ?? KeypointML.Detection.FaceLandmarker.DefaultDetector),
                    files, parse.GetValue(threads), detection);
                output.WriteLine(parse.GetValue(json) ? times.ToJson() : times.ToString());
                return 0;
            }
            if (parse.GetValue(soak) is int soakCalls)
            {
                if (modelPath is null) throw new ArgumentException("--soak needs --model.");
                using var opened = KeypointModel.Open(modelPath);
                var spec = parse.GetValue(data) ?? EvaluationSets.Require(opened.Metadata, modelPath);
                var faces = KeypointDatasets.Load(new MLContext(seed: 0), spec).Rows.Take(n).ToList();
                output.WriteLine(SoakBenchmark.Run(modelPath, faces, soakCalls, parse.GetValue(callers)));
                return 0;
            }
            if (parse.GetValue(stages))
            {
                if (modelPath is null) throw new ArgumentException("--stages needs --model.");
                if (parse.GetValue(threads) is < 1) throw new ArgumentException("--threads must be at least 1.");
                using var opened = KeypointModel.Open(modelPath);
                var spec = parse.GetValue(data) ?? EvaluationSets.Require(opened.Metadata, modelPath);
                var faces = KeypointDatasets.Load(new MLContext(seed: 0), spec).Rows.Take(n).ToList();
                var times = StageBenchmark.Run(modelPath, faces, r, parse.GetValue(threads),
                    parse.GetValue(detector) is string d ? ModelsFolder.ResolveModel(d) : null);
                output.WriteLine(parse.GetValue(json) ? times.ToJson() : times.ToString());
                return 0;
            }
            if (modelPath is not null)
            {
                using var file = KeypointModel.Open(modelPath);
                var spec = parse.GetValue(data) ?? EvaluationSets.Require(file.Metadata, modelPath);
                var faces = KeypointDatasets.Load(new MLContext(seed: 0), spec).Rows.ToList();
                output.WriteLine(ModelDescription.Of(file, null));
                output.WriteLine(ConsoleProgress.Run("timing the pipeline", 1, _ => PipelineBenchmark.Run(modelPath, faces, spec, n, r)));
            }
            else if (parse.GetValue(data) is not null)
            {
                throw new ArgumentException("--data needs --model: the built benchmark model is not trained on any dataset.");
            }
            output.WriteLine(ConsoleProgress.Run("timing the scoring step", 1, _ => ScoringBenchmark.Run(modelPath, n, b, r)));
            return 0;
        }));
        return command;
    }
}
