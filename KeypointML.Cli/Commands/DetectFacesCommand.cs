using System.CommandLine;
using System.Globalization;
using System.Text;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Tooling.Files;
using KeypointML.Tooling.Inference;
using Microsoft.ML;

namespace KeypointML.Cli;

/// <summary><c>keypointml detect-faces --data D [--detector NAME] [--out boxes.csv] [--threshold T] [--fit-box-map]</c>:
/// the face boxes alone; on labelled data also the recall, and the box maps fitted on that data.</summary>
public sealed class DetectFacesCommand : ICliCommand
{
    public static Command Create()
    {
        var data = ModelOptions.Data();
        var detector = Detector();
        var output = new Option<string?>("--out", "-o") { Description = "Boxes CSV: image,face,score,left,top,width,height; one row per face." };
        var threshold = Threshold();
        var minFace = MinFace();
        var secondLook = SecondLook();
        var extra = ExtraSearchesOption();
        var fit = new Option<bool>("--fit-box-map") { Description = "On labelled data with face boxes: fit the map from detector boxes to the dataset's boxes, and from the labelled points' bounding box to the dataset's boxes (medians; run it on training data only)." };
        var limit = ModelOptions.Limit();
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime threads of the detector's session (default: ONNX Runtime's)." };
        var command = new Command("detect-faces", "Find the faces in every image of a dataset or folder and write their boxes; on labelled data report the recall.")
        {
            data, detector, output, threshold, minFace, secondLook, extra, fit, limit, threads,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var spec = parse.GetValue(data)!;
            var ml = new MLContext(seed: 0);
            var dataset = KeypointDatasets.Load(ml, spec);
            var rows = dataset.Rows.ToList();
            if (parse.GetValue(limit) is int n) rows = rows.Take(n).ToList();
            var paths = rows.Select(r => r.ImagePath).Distinct().ToList();
            if (parse.GetValue(threads) is < 1) throw new ArgumentException($"--threads must be at least 1; got {parse.GetValue(threads)}.");
            using var model = FaceDetectors.Open(ModelsFolder.ResolveModel(parse.GetValue(detector)!),
                new KeypointML.Models.KeypointModelOptions { IntraOpNumThreads = parse.GetValue(threads), InterOpNumThreads = parse.GetValue(threads) });
            var finder = new FaceLandmarker(model) { Detection = Detection(parse, threshold, minFace, secondLook, extra) };
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var faces = ConsoleProgress.Run("detecting", 1, _ => finder.Find(paths));
            double ms = sw.Elapsed.TotalMilliseconds / Math.Max(1, paths.Count);
            var names = DatasetImageNames.For(spec);
            if (parse.GetValue(output) is string csv) WriteBoxes(csv, faces, names);
            CliApp.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{faces.Count} faces in {paths.Count} images ({paths.Count(p => faces.All(f => f.ImagePath != p))} without a face); {ms:F1} ms per image (decode + detect, this machine, all threads)"));
            if (faces.Count > 0)
                CliApp.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scores: highest {faces.Max(f => f.Score):F3}, lowest {faces.Min(f => f.Score):F3}"));
            if (dataset.KeypointCount > 0) Recall(rows, faces, parse.GetValue(fit));
            return 0;
        }));
        return command;
    }

    public static Option<string> Detector() => new("--detector")
    {
        Description = "Face detector: a file, or a name in the models folder (yunet, the default, for photos; blazeface-front for selfies).",
        DefaultValueFactory = _ => FaceLandmarker.DefaultDetector,
    };

    public static Option<string> SmallFaceModel() => new("--small-face-model")
    {
        Description = "With a 68-point model: the model for faces whose 300-W box is narrower than --small-face-width pixels (a file or a name in the models folder; default ibug68-small when the folder has it; none = the landmark model for every face).",
        DefaultValueFactory = _ => FaceLandmarker.DefaultSmallFaces,
    };

    public static Option<float> SmallFaceWidth() => new("--small-face-width")
    {
        Description = "Faces whose 300-W box is narrower than this many pixels (about 1.6 x the outer eye corners' distance) go to the small-face model.",
        DefaultValueFactory = _ => Engine.FaceEngineDefaults.SmallFaceWidth,
    };

    public static Option<float?> MinFace() => new("--min-face")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"Smallest face searched for, in pixels of the photo (default {FaceDetectionDefaults.MinFaceSize}); larger values search a smaller copy of the photo (faster)."),
    };

    public static Option<float?> SecondLook() => new("--second-look")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"yunet: candidates scored from this up get a second, enlarged search (default {FaceDetectionDefaults.SecondLookThreshold}; 1 = none)."),
    };

    public static Option<string?> ExtraSearchesOption()
    {
        var option = new Option<string?>("--extra-searches")
        {
            Description = "yunet: when to search again at half the scale (upright and turned a quarter each way) and at a quarter of it (faces larger than ~300 px): when-unsure (the default: no face found, a face scored under 0.9, or a head rolled 30 degrees or more), always, or never (the upright search alone).",
        };
        option.AcceptOnlyFromAmong("when-unsure", "always", "never");
        return option;
    }

    public static FaceDetectionOptions Detection(ParseResult parse, Option<float?> threshold, Option<float?> minFace, Option<float?> secondLook, Option<string?> extra) => new()
    {
        ScoreThreshold = parse.GetValue(threshold),
        MinFaceSize = parse.GetValue(minFace) ?? FaceDetectionDefaults.MinFaceSize,
        SecondLookThreshold = parse.GetValue(secondLook),
        ExtraSearches = ExtraSearchesValue(parse, extra),
    };

    public static ExtraSearches ExtraSearchesValue(ParseResult parse, Option<string?> extra) => parse.GetValue(extra) switch
    {
        "always" => ExtraSearches.Always,
        "never" => ExtraSearches.Never,
        "when-unsure" => ExtraSearches.WhenUnsure,
        _ => FaceDetectionDefaults.ExtraSearches,
    };

    public static Option<float?> Threshold() => new("--threshold")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"Lowest detector score kept (default: the detector's own, yunet {FaceDetectionDefaults.YuNetScoreThreshold}, blazeface-front {FaceDetectionDefaults.ScoreThreshold})."),
    };

    // A labelled face is found when a detection's box overlaps its labelled points' bounding box with IoU >= 0.5.
    private static void Recall(List<KeypointSample> rows, List<FoundFace> faces, bool fit)
    {
        var byImage = faces.GroupBy(f => f.ImagePath).ToDictionary(g => g.Key, g => g.ToList());
        int found = 0;
        var pairs = new List<(float[] Detected, float[] Target)>();
        var landmarkPairs = new List<(float[] Detected, float[] Target)>();
        var ious = new List<float>();
        var matchedScores = new List<float>();
        foreach (var r in rows)
        {
            var truth = KeypointBoxes.Of(r.Keypoints);
            landmarkPairs.Add((truth, r.Box));
            var (best, iou) = KeypointBoxes.BestMatch(byImage.GetValueOrDefault(r.ImagePath), f => f.DetectorBox, truth);
            ious.Add(iou);
            if (iou >= 0.5f) { found++; pairs.Add((best!.DetectorBox, r.Box)); matchedScores.Add(best.Score); }
        }
        ious.Sort();
        CliApp.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recall {found}/{rows.Count} = {100.0 * found / rows.Count:F2}% (a detection overlapping the labelled points' box with IoU >= 0.5; lowest IoU {ious[0]:F2}, median {ious[ious.Count / 2]:F2}; lowest score of a found face {(matchedScores.Count > 0 ? matchedScores.Min() : 0):F3})"));
        if (!fit) return;
        CliApp.Out.WriteLine($"box map detector -> dataset boxes ({pairs.Count} faces): {FaceBoxMap.Fit(pairs)}  [{Format(FaceBoxMap.Fit(pairs))}]");
        CliApp.Out.WriteLine($"box map labelled points' box -> dataset boxes ({landmarkPairs.Count} faces): {FaceBoxMap.Fit(landmarkPairs)}  [{Format(FaceBoxMap.Fit(landmarkPairs))}]");
    }

    private static string Format(FaceBoxMap m) => string.Create(CultureInfo.InvariantCulture, $"new({m.ScaleWidth:R}f, {m.ScaleHeight:R}f, {m.ShiftX:R}f, {m.ShiftY:R}f)");

    private static void WriteBoxes(string path, List<FoundFace> faces, DatasetImageNames names)
    {
        var ic = CultureInfo.InvariantCulture;
        var text = new StringBuilder("image,face,score,left,top,width,height\n");
        foreach (var f in faces)
        {
            text.Append(PredictionCsv.Quote(names.Name(f.ImagePath))).Append(',').Append(f.FaceIndex.ToString(ic)).Append(',').Append(f.Score.ToString(ic));
            foreach (var v in f.DetectorBox) text.Append(',').Append(v.ToString(ic));
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
