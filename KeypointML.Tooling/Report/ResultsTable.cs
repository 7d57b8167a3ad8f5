using KeypointML.Tooling.Report;

namespace KeypointML.Tooling.Report;

/// <summary>The report's results table as cells, one row per model: the same figures in the HTML page and on the console.</summary>
public static class ResultsTable
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "model", "evaluated on", "faces", "MSE (normalized)", "mean error (px)", "NME", "NME basis", "NME argmax", "failure rate", "AUC",
        "ms/face single", "ms/face batched",
    ];

    public static IReadOnlyList<string> Cells(ModelResult r)
    {
        var m = r.Metrics;
        // The headline NME: inter-ocular for 68 points (the usual 300-W figure), else the box-normalized one.
        double? nme = m?.NmeInterOcular ?? m?.NmeBox;
        return
        [
            r.Name, r.EvaluationSet ?? MetricsText.Missing, m?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? MetricsText.Missing,
            MetricsText.Mse(m?.Mse), MetricsText.Pixels(m?.MeanPixelError), MetricsText.Percent(nme), m?.NmeBasis ?? MetricsText.Missing,
            MetricsText.Percent(r.ArgmaxMetrics?.NmeInterOcular ?? r.ArgmaxMetrics?.NmeBox),
            MetricsText.Percent(m?.FailureRate), MetricsText.Percent(m?.Auc),
            MetricsText.Milliseconds(r.Speed?.SingleMsPerFace), MetricsText.Milliseconds(r.Speed?.BatchMsPerFace),
        ];
    }

    /// <summary>The table as aligned text lines (header first); problems follow as notes.</summary>
    public static IEnumerable<string> Text(IReadOnlyList<ModelResult> results)
    {
        var rows = new List<IReadOnlyList<string>> { Columns };
        rows.AddRange(results.Select(Cells));
        var widths = Columns.Select((_, c) => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows) yield return string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd();
        foreach (var r in results.Where(r => r.Problem is not null)) yield return $"{r.Name}: not measured: {r.Problem}";
    }
}
