using System.Runtime.InteropServices;
using KeypointML.Data;
using KeypointML.Tooling.Files;

namespace KeypointML.Tooling.Report;

/// <summary>The whole report: every model of the models folder measured, pictures drawn, <c>index.html</c> written, atomically.</summary>
public static class ReportBuilder
{
    /// <summary>The keypoint model files of the folder (*.onnx, face detectors left out: they have no keypoint metrics),
    /// in name order.</summary>
    public static IReadOnlyList<string> ModelFiles(string modelsFolder)
    {
        if (!Directory.Exists(modelsFolder)) throw new DirectoryNotFoundException($"{modelsFolder}: no such models folder.");
        var files = Directory.GetFiles(modelsFolder, "*.onnx").Where(f => !IsDetector(f)).ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The face detectors of the folder, in name order.</summary>
    public static IReadOnlyList<string> DetectorFiles(string modelsFolder) =>
        Directory.Exists(modelsFolder) ? Directory.GetFiles(modelsFolder, "*.onnx").Where(IsDetector).Order(StringComparer.Ordinal).ToArray() : [];

    // An unreadable file stays in the list: its row then says why it cannot be measured.
    private static bool IsDetector(string path)
    {
        try { return Detection.FaceDetectorModel.IsFaceDetector(path); }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException) { return false; }
    }

    /// <summary>Writes the report into <paramref name="outFolder"/>; <paramref name="modelDone"/> gets the number of models done.</summary>
    public static IReadOnlyList<ModelResult> Write(string outFolder, ReportOptions options, Action<int>? modelDone = null)
    {
        var models = ModelFiles(options.ModelsFolder);
        return ReportFolder.Write(outFolder, staging =>
        {
            var results = new List<ModelResult>();
            foreach (var model in models)
            {
                results.Add(ModelMeasurement.Measure(model, options, staging));
                modelDone?.Invoke(results.Count);
            }
            // End to end: every 68-point model behind every detector on the 300-W test crops, nothing but the images given.
            var endToEnd = new List<EndToEndResult>();
            foreach (var detector in DetectorFiles(options.ModelsFolder))
                foreach (var r in results.Where(r => r.EvaluationSet == KeypointDatasets.IbugTest && r.Problem is null))
                    endToEnd.Add(EndToEndMeasurement.Measure(detector, Path.Combine(options.ModelsFolder, r.File), KeypointDatasets.IbugTest, options.Limit));
            // The cumulative error curves of the 68-point models on ibug-test, with the 300-W boxes and end to end.
            var curves = results.Where(r => r.EvaluationSet == KeypointDatasets.IbugTest && r.FaceNmes.Count > 0).Select(r => (r.Name + " (300-W boxes)", r.FaceNmes))
                .Concat(endToEnd.Where(e => e.FaceNmes is not null).Select(e => ($"{e.Detector} + {e.Model}", e.FaceNmes!))).ToList();
            if (curves.Count > 0 && options.Limit is null && PeerCurves.DefaultFolder() is string peers)
                curves.AddRange(PeerCurves.Read(peers, KeypointDatasets.Load(new Microsoft.ML.MLContext(0), KeypointDatasets.IbugTest).Rows.ToList()));
            if (curves.Count > 0) Plots.CedPlot.Write(curves, Path.Combine(staging, ReportHtml.CedPicture), $"Cumulative error distribution, iBUG 300-W test ({curves[0].Item2.Count} faces)");
            var context = new ReportContext(Path.GetFullPath(options.ModelsFolder), options.RunsFolder, DateTime.UtcNow,
                $"{Environment.ProcessorCount} CPU cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
            AtomicFile.WriteAllText(Path.Combine(staging, ReportFolder.IndexFile), ReportHtml.Render(results, context, endToEnd));
            return (IReadOnlyList<ModelResult>)results;
        });
    }
}
