using System.Globalization;
using System.Net;
using System.Text;

namespace KeypointML.Tooling.Report;

/// <summary>What the page shows besides the models.</summary>
public sealed record ReportContext(string ModelsFolder, string? RunsFolder, DateTime CreatedUtc, string Machine);

/// <summary>
/// The report page: one self-contained HTML file (inline CSS, no scripts, PNGs beside it), so it opens from disk in any
/// browser and renders the same in headless Chromium.
/// </summary>
public static class ReportHtml
{
    /// <summary>The cumulative error distribution picture, when there are 68-point models.</summary>
    public const string CedPicture = "ced-ibug-test.png";

    public static string Render(IReadOnlyList<ModelResult> results, ReportContext context, IReadOnlyList<EndToEndResult>? endToEnd = null,
        IReadOnlyList<DetectionResult>? detection = null)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>KeypointML report</title>
            <style>
            body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #222; background: #fff; }
            h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; margin: 12px 0; }
            table { font-size: 90%; }
            th, td { border: 1px solid #bbb; padding: 4px 6px; text-align: right; }
            td { white-space: nowrap; }
            th { background: #e8eef6; } td:first-child, th:first-child { text-align: left; }
            tr:nth-child(even) td { background: #f6f8fa; }
            .note { color: #555; font-size: 90%; } .problem { color: #a00; }
            img { max-width: 100%; border: 1px solid #ddd; margin: 6px 0; }
            </style>
            </head>
            <body>
            <h1>KeypointML report</h1>

            """);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Measured {context.CreatedUtc:yyyy-MM-dd HH:mm} UTC on {E(context.Machine)}; models from {E(context.ModelsFolder)}.</p>\n");
        html.Append("<h2>Results</h2>\n");
        if (results.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\" id=\"no-models\">No models (*.onnx) found in {E(context.ModelsFolder)}.</p>\n");
        }
        else
        {
            html.Append("<table id=\"results\">\n<tr>");
            foreach (var c in ResultsTable.Columns) html.Append("<th>").Append(E(c)).Append("</th>");
            html.Append("</tr>\n");
            foreach (var r in results)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr id=\"model-{E(r.Name)}\">");
                foreach (var cell in ResultsTable.Cells(r)) html.Append("<td>").Append(E(cell)).Append("</td>");
                html.Append("</tr>\n");
            }
            html.Append("</table>\n");
            html.Append("""
                <p class="note">All figures are measured now by running each model through the ML.NET pipeline (DetectKeypoints on the
                dataset's face boxes, EvaluateKeypoints) on its evaluation set: imm-val (IMM persons 33-40) for IMM models, ibug-test
                (iBUG 300-W test XML) for 68-point models. MSE: squared error in coordinates divided by the image width and height.
                NME: mean point error divided by the outer-eye-corner distance (68 points) or by sqrt(box width x height); failure
                rate and AUC use that NME with threshold 8 %. ms/face: the whole pipeline from image file to keypoints, single image
                (PredictionEngine) and batched (Transform over an IDataView), on this machine.</p>

                """);
        }
        if (results.Any(r => r.FaceNmes.Count > 0 && r.EvaluationSet == Data.KeypointDatasets.IbugTest))
        {
            html.Append("<h2 id=\"ced\">Cumulative error distribution</h2>\n");
            Image(html, CedPicture, "share of test faces with NME at most x, per model");
        }
        if (endToEnd is { Count: > 0 }) EndToEnd(html, endToEnd);
        if (detection is { Count: > 0 }) Detection(html, detection);
        foreach (var r in results) Section(html, r);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void EndToEnd(StringBuilder html, IReadOnlyList<EndToEndResult> rows)
    {
        html.Append("<h2 id=\"end-to-end\">End to end: photo in, faces and points out</h2>\n<table id=\"e2e\">\n<tr>");
        foreach (var c in new[] { "detector", "model", "data", "labelled faces", "matched", "faces found", "NME io (matched)", "failure rate (misses fail)", "AUC (misses fail)", "ms/image" })
            html.Append("<th>").Append(E(c)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var r in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr id=\"e2e-{E(r.Model)}\"><td>{E(r.Detector)}</td><td>{E(r.Model)}</td><td>{E(r.Data)}</td>");
            if (r.Problem is not null) { html.Append(CultureInfo.InvariantCulture, $"<td colspan=\"7\" class=\"problem\">{E(r.Problem)}</td></tr>\n"); continue; }
            html.Append(CultureInfo.InvariantCulture, $"<td>{r.Labelled}</td><td>{r.Matched}</td><td>{r.FacesFound}</td><td>{MetricsText.Percent(r.Metrics?.NmeInterOcular)}</td><td>{MetricsText.Percent(r.FailureRate)}</td><td>{MetricsText.Percent(r.Auc)}</td><td>{MetricsText.Milliseconds(r.MsPerImage)}</td></tr>\n");
        }
        html.Append("""
            </table>
            <p class="note">Only the images are given: the detector finds the faces, its boxes are mapped to the 300-W convention
            the 68-point models were trained on (fitted on the training XML), and the model scores each face (the library's
            default decoding). A labelled face is matched by the found face whose points' box overlaps its labelled points' box most
            (IoU at least 0.5), as ../shared/peers/score.py --e2e does; a missed face counts as a failure in the failure rate
            and AUC.</p>

            """);
    }

    private static void Detection(StringBuilder html, IReadOnlyList<DetectionResult> rows)
    {
        html.Append("<h2 id=\"detection\">Faces in ordinary photos</h2>\n<table id=\"detection-table\">\n<tr><th>detector</th><th>photos</th>");
        foreach (var (bucket, _, _) in rows.First(r => r.Problem is null || rows.Count == 1).ByWidth) html.Append(CultureInfo.InvariantCulture, $"<th>width {E(bucket)} px</th>");
        html.Append("<th>&gt;= 40 px</th><th>&gt;= 20 px</th><th>false per photo</th><th>ms/photo</th></tr>\n");
        foreach (var r in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Detector)}</td><td>{r.Photos}</td>");
            if (r.Problem is not null) { html.Append(CultureInfo.InvariantCulture, $"<td colspan=\"9\" class=\"problem\">{E(r.Problem)}</td></tr>\n"); continue; }
            foreach (var (_, faces, found) in r.ByWidth) html.Append(CultureInfo.InvariantCulture, $"<td>{100.0 * found / Math.Max(1, faces):F1}% of {faces}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{r.Recall40:F1}%</td><td>{r.Recall20:F1}%</td><td>{r.FalsePerPhoto:F3}</td><td>{(double.IsNaN(r.MsPerPhoto) ? "" : MetricsText.Milliseconds(r.MsPerPhoto))}</td></tr>\n");
        }
        html.Append("""
            </table>
            <p class="note">The WIDER FACE dev photos beside the data (for measuring only), scored as ../shared/peers/score_faces.py
            scores them: a labelled face is found when a detection overlaps it with IoU at least 0.3 (one to one); invalid faces are
            left out; a detection overlapping no labelled face is false. dlib's row comes from the peers' run_faces.sh output when
            it is found (KEYPOINTML_PEERS_OUT).</p>

            """);
    }

    private static void Section(StringBuilder html, ModelResult r)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"section-{E(r.Name)}\">{E(r.Name)}</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>{E(r.File)}{(r.Description is null ? "" : ": " + E(r.Description))}</p>\n");
        if (r.Problem is not null) html.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">Not measured: {E(r.Problem)}</p>\n");
        if (r.NotScored.Count > 0)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">{r.NotScored.Count} face(s) could not be scored and are left out: {E(string.Join("; ", r.NotScored.Take(10)))}{(r.NotScored.Count > 10 ? "; ..." : "")}</p>\n");
        html.Append("<h3>Training</h3>\n");
        if (r.LossPicture is not null) Image(html, r.LossPicture, $"{r.Name}: training and validation loss per epoch");
        else html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">No loss curves: {E(r.LossNote ?? "no training run found.")}</p>\n");
        if (r.BestPicture is not null && r.WorstPicture is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>Best and worst faces of {E(r.EvaluationSet ?? "")}</h3>\n<p class=\"note\">Green: labelled points; red: predicted. Caption: mean error in pixels of the original image.</p>\n");
            html.Append(CultureInfo.InvariantCulture, $"<h4>Best {ModelMeasurement.ExamplesPerPicture}</h4>\n");
            Image(html, r.BestPicture, $"{r.Name}: best faces");
            html.Append(CultureInfo.InvariantCulture, $"<h4>Worst {ModelMeasurement.ExamplesPerPicture}</h4>\n");
            Image(html, r.WorstPicture, $"{r.Name}: worst faces");
        }
    }

    private static void Image(StringBuilder html, string file, string alt) =>
        html.Append(CultureInfo.InvariantCulture, $"<div><img src=\"{E(Uri.EscapeDataString(file))}\" alt=\"{E(alt)}\"></div>\n");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
