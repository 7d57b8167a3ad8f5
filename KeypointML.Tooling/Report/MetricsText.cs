using System.Globalization;
using KeypointML.Evaluation;

namespace KeypointML.Tooling.Report;

/// <summary>How metrics read in tables (console and HTML report): one format per kind of figure, invariant culture.</summary>
public static class MetricsText
{
    public const string Missing = "-";

    /// <summary>Normalized MSE, e.g. <c>1.123e-03</c>.</summary>
    public static string Mse(double? value) => value is double v ? v.ToString("0.000e+00", CultureInfo.InvariantCulture) : Missing;

    /// <summary>Pixels, e.g. <c>4.21</c>.</summary>
    public static string Pixels(double? value) => value is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : Missing;

    /// <summary>A fraction as percent, e.g. <c>3.52 %</c> (NMEs, failure rate, AUC).</summary>
    public static string Percent(double? value) => value is double v ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) + " %" : Missing;

    /// <summary>Milliseconds, e.g. <c>3.4</c>.</summary>
    public static string Milliseconds(double? value) => value is double v ? v.ToString(v < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) : Missing;

    /// <summary>The rows of a readable metrics table: (name, value); for 68 points one more row per region
    /// (<c>jaw (points 0-16)</c>: <c>NME inter-ocular 5.12 %, 3.40 px</c>).</summary>
    public static IReadOnlyList<(string Name, string Value)> Rows(KeypointMetrics m) =>
    [
        ("faces", m.Count.ToString(CultureInfo.InvariantCulture)),
        ("MSE (normalized coordinates)", Mse(m.Mse)),
        ("mean pixel error (px)", Pixels(m.MeanPixelError)),
        ("NME inter-ocular", Percent(m.NmeInterOcular)),
        ("NME inter-pupil", Percent(m.NmeInterPupil)),
        ("NME box", Percent(m.NmeBox)),
        ($"failure rate (NME {m.NmeBasis ?? "n/a"} > {Percent(m.Threshold)})", Percent(m.FailureRate)),
        ($"AUC at {Percent(m.Threshold)}", Percent(m.Auc)),
        .. (m.ConfidenceErrorCorrelation is double rho
            ? new[] { ("confidence vs point error (Spearman)", rho.ToString("F3", CultureInfo.InvariantCulture)) }
            : []),
        .. (m.Regions?.ToList() ?? []).Select(r => (
            string.Create(CultureInfo.InvariantCulture, $"{r.Region.Name} (points {r.Region.First}-{r.Region.Last})"),
            $"NME inter-ocular {Percent(r.Error.NmeInterOcular)}, {Pixels(r.Error.MeanPixelError)} px")),
    ];
}
