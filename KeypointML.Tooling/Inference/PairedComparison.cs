using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// Two models' per-face NMEs on the same faces, compared face by face: the mean difference (model minus baseline), its
/// standard error, and on how many faces each is better. What <c>keypointml compare</c> prints.
/// </summary>
/// <remarks>
/// Why paired: both models meet the same hard and easy faces, so most of the spread between faces cancels in the
/// difference, and its standard error is the noise of the choice itself. On the 122 held-out 300-W faces it is about
/// 0.013 points of NME for two close ensembles; on the 337 test faces about 0.008 (docs/heatmap-models.md). A gain
/// within about two standard errors is not evidence that the model is better.
/// </remarks>
/// <param name="Faces">Faces both models scored with finite NMEs (the others are left out of both sides).</param>
/// <param name="LeftOut">Faces left out: not scored by one of the models, or an NME that is not finite.</param>
/// <param name="ModelNme">The model's mean NME over <see cref="Faces"/>.</param>
/// <param name="BaselineNme">The baseline's mean NME over the same faces.</param>
/// <param name="MeanDifference">Model minus baseline: negative when the model is better.</param>
/// <param name="StandardError">The standard error of <see cref="MeanDifference"/>: the differences' sample standard deviation over sqrt(faces).</param>
/// <param name="ModelBetter">Faces where the model's NME is lower.</param>
/// <param name="BaselineBetter">Faces where the baseline's NME is lower.</param>
public sealed record PairedComparison(int Faces, int LeftOut, double ModelNme, double BaselineNme, double MeanDifference, double StandardError,
    int ModelBetter, int BaselineBetter)
{
    /// <summary>The two-sided 95% normal quantile (1.95996...).</summary>
    public static readonly double Z95 = Normal.InvCDF(0, 1, 0.975);

    /// <summary>The lower end of the 95% interval of the mean difference (normal approximation).</summary>
    public double Low95 => MeanDifference - Z95 * StandardError;

    /// <summary>The upper end of the 95% interval.</summary>
    public double High95 => MeanDifference + Z95 * StandardError;

    /// <summary>Whether the 95% interval excludes 0: the difference is more than the noise of these faces.</summary>
    public bool Significant => Low95 > 0 || High95 < 0;

    /// <summary>Compares per-face NMEs given in the same face order; a pair with a non-finite value on either side is left
    /// out. <paramref name="notScored"/> counts faces the caller already left out (not scored by one of the models), so that
    /// <see cref="LeftOut"/> covers both.</summary>
    public static PairedComparison Of(IReadOnlyList<double> model, IReadOnlyList<double> baseline, int notScored = 0)
    {
        if (model.Count != baseline.Count)
            throw new ArgumentException($"The model has {model.Count} face NMEs and the baseline {baseline.Count}; a paired comparison needs the same faces.");
        var pairs = model.Zip(baseline).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        if (pairs.Count < 2)
            throw new ArgumentException($"A paired comparison needs at least 2 faces that both models scored; got {pairs.Count} of {model.Count}.");
        var differences = pairs.Select(p => p.First - p.Second).ToArray();
        return new PairedComparison(pairs.Count, notScored + model.Count - pairs.Count, pairs.Select(p => p.First).Mean(), pairs.Select(p => p.Second).Mean(),
            differences.Mean(), differences.StandardDeviation() / Math.Sqrt(differences.Length),
            differences.Count(d => d < 0), differences.Count(d => d > 0));
    }
}
