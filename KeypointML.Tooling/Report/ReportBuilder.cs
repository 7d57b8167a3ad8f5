using System.Runtime.InteropServices;
using KeypointML.Data;
using KeypointML.Tooling.Files;

namespace KeypointML.Tooling.Report;

/// <summary>The whole report: every model of the models folder measured, pictures drawn, <c>index.html</c> written, atomically.</summary>
public static class ReportBuilder
{
    /// <summary>The model files of a folder, sorted by name: the keypoint models (face detectors have no keypoint metrics)
    /// and the face detectors (they drive the end-to-end section).</summary>
    public sealed record FolderModels(IReadOnlyList<string> Models, IReadOnlyList<string> Detectors);

    /// <summary>The folder's *.onnx files, each opened once to tell detectors from keypoint models.</summary>
    public static FolderModels ModelsIn(string modelsFolder)
    {
        if (!Directory.Exists(modelsFolder)) throw new DirectoryNotFoundException($"{modelsFolder}: no such models folder.");
        var files = Directory.GetFiles(modelsFolder, "*.onnx").Order(StringComparer.Ordinal).ToLookup(IsDetector);
        return new FolderModels(files[false].ToArray(), files[true].ToArray());
    }

    // An unreadable file stays among the models: its row then says why it cannot be measured.
    private static bool IsDetector(string path)
    {
        try { return Detection.FaceDetectorModel.IsFaceDetector(path); }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException) { return false; }
    }

    /// <summary>Writes the report into <paramref name="outFolder"/>; <paramref name="modelDone"/> gets the number of models done.</summary>
    public static IReadOnlyList<ModelResult> Write(string outFolder, ReportOptions options, Action<int>? modelDone = null) =>
        Write(outFolder, options, ModelsIn(options.ModelsFolder), modelDone);

    /// <summary>The detection rows of the last report written (the default detector on the labelled photos beside the data,
    /// and dlib's from the peers' run_faces.sh when its output is found); empty when there are no such photos.</summary>
    public static IReadOnlyList<DetectionResult> LastDetection { get; private set; } = [];

    /// <summary>As the overload without <paramref name="files"/>, on the folder's models already listed.</summary>
    public static IReadOnlyList<ModelResult> Write(string outFolder, ReportOptions options, FolderModels files, Action<int>? modelDone = null)
    {
        var models = files.Models;
        return ReportFolder.Write(outFolder, staging =>
        {
            var results = new List<ModelResult>();
            foreach (var model in models)
            {
                results.Add(ModelMeasurement.Measure(model, options, staging));
                modelDone?.Invoke(results.Count);
            }
            // End to end: every 68-point model behind the default detector (any detector when the folder lacks it) on the 300-W
            // test crops, nothing but the images given. The other detectors' end-to-end figures are in their cards.
            var endToEnd = new List<EndToEndResult>();
            var defaultDetector = files.Detectors.Where(d => Path.GetFileNameWithoutExtension(d) == Detection.FaceLandmarker.DefaultDetector).ToArray();
            foreach (var detector in defaultDetector.Length > 0 ? defaultDetector : files.Detectors)
                foreach (var r in results.Where(r => r.EvaluationSet == KeypointDatasets.IbugTest && r.Problem is null))
                    endToEnd.Add(EndToEndMeasurement.Measure(detector, Path.Combine(options.ModelsFolder, r.File), KeypointDatasets.IbugTest, options.Limit));
            // Faces in ordinary photos: the default detector on the labelled photos beside the data (WIDER FACE dev), dlib's
            // detections from the peers' run_faces.sh beside it when present. Skipped with --limit (a quick check).
            var detection = new List<DetectionResult>();
            if (options.Limit is null && DetectionMeasurement.DefaultSet() is { } photoSet && (defaultDetector.Length > 0 ? defaultDetector : files.Detectors).FirstOrDefault() is { } photoDetector)
            {
                detection.Add(DetectionMeasurement.Measure(photoDetector, photoSet));
                if (PeerCurves.DefaultFolder() is { } peerOut && DetectionMeasurement.PeerFile(Path.Combine(peerOut, "faces_dlib.csv"), photoSet) is { } dlib) detection.Add(dlib);
            }
            LastDetection = detection;
            // The cumulative error curves of the 68-point models on ibug-test, with the 300-W boxes and end to end.
            var curves = results.Where(r => r.EvaluationSet == KeypointDatasets.IbugTest && r.FaceNmes.Count > 0).Select(r => (r.Name + " (300-W boxes)", r.FaceNmes))
                .Concat(endToEnd.Where(e => e.FaceNmes is not null).Select(e => ($"{e.Detector} + {e.Model}", e.FaceNmes!))).ToList();
            if (curves.Count > 0 && options.Limit is null && PeerCurves.DefaultFolder() is string peers)
                curves.AddRange(PeerCurves.Read(peers, KeypointDatasets.Load(new Microsoft.ML.MLContext(0), KeypointDatasets.IbugTest).Rows.ToList()));
            if (curves.Count > 0) Plots.CedPlot.Write(curves, Path.Combine(staging, ReportHtml.CedPicture), $"Cumulative error distribution, iBUG 300-W test ({curves[0].Item2.Count} faces)");
            var context = new ReportContext(Path.GetFullPath(options.ModelsFolder), options.RunsFolder, DateTime.UtcNow,
                $"{Environment.ProcessorCount} CPU cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFolder.IndexFile), ReportHtml.Render(results, context, endToEnd, detection));
            return (IReadOnlyList<ModelResult>)results;
        });
    }
}
