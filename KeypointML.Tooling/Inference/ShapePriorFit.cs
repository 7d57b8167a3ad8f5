using KeypointML.Codecs;
using KeypointML.Evaluation;
using KeypointML.Geometry;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;

namespace KeypointML.Tooling.Inference;

/// <summary>One candidate noise scale and the held-out error (<see cref="ShapePriorFit.SelectionError"/>) the prior built with it gave.</summary>
public sealed record ShapePriorCandidate(double NoiseScale, double Nme);

/// <summary>What <see cref="ShapePriorFit.Choose"/> measured and chose: the selection faces' NME without a prior, each
/// candidate's, and the prior of the best (null when none beat no prior).</summary>
public sealed record ShapePriorChoice(int FitFaces, int SelectionFaces, double NmeWithout, IReadOnlyList<ShapePriorCandidate> Candidates, ShapePrior? Prior,
    double? NoiseScale);

/// <summary>
/// Fits a model's <see cref="ShapePrior"/>: the Gaussian model of face shapes from the labels of its training faces
/// (generalized Procrustes alignment, then their covariance C), the model's error variance per coordinate from its own
/// predictions on those faces (D, scaled to mean 1), and the gain <c>C (C + s t D)^-1</c>, where t is C's mean variance per
/// coordinate and the one free number s is chosen on held-out faces (<see cref="Choose"/>).
/// </summary>
/// <remarks>
/// D only gives the shape of the noise (the jaw errs about five times as much as the eyes): on its training faces a model
/// errs less than on new ones, so its size is left to s. Why one free number: the held-out split has 122 faces, enough to
/// pick a scale, not 136 variances. The linear algebra is MathNet's (a Cholesky solve).
/// </remarks>
public static class ShapePriorFit
{
    /// <summary>The noise scales tried by <see cref="Choose"/>, relative to the shapes' mean variance per coordinate.</summary>
    public static IReadOnlyList<double> NoiseScales { get; } = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3];

    /// <summary>The prior from training-face <paramref name="labels"/> and the model's <paramref name="predictions"/> of the
    /// same faces (x, y per point, normalized crop coordinates, faces in the same order) with noise scale <paramref name="noiseScale"/>.</summary>
    public static ShapePrior Build(IReadOnlyList<float[]> labels, IReadOnlyList<float[]> predictions, double noiseScale)
    {
        var (mean, covariance, noise) = Statistics(labels, predictions);
        return Build(mean, covariance, noise, noiseScale);
    }

    private static ShapePrior Build(double[] mean, Matrix<double> covariance, double[] noise, double noiseScale)
    {
        int n = mean.Length;
        double level = noiseScale * covariance.Trace() / n;
        var system = covariance.Clone();
        for (int i = 0; i < n; i++) system[i, i] += level * noise[i];
        // Gain = C M^-1 with M symmetric positive definite: Gain^T = M^-1 C, one Cholesky solve.
        var gain = system.Cholesky().Solve(covariance).Transpose();
        var values = new float[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) values[r * n + c] = (float)gain[r, c];
        return new ShapePrior([.. mean.Select(v => (float)v)], values);
    }

    /// <summary>Builds the prior for each of <see cref="NoiseScales"/> from the fit faces and keeps the one with the lowest
    /// mean <see cref="SelectionError"/> (NME_io for 68 points) on the selection faces, if it beats the model without a
    /// prior there.</summary>
    public static ShapePriorChoice Choose(IReadOnlyList<float[]> fitLabels, IReadOnlyList<float[]> fitPredictions,
        IReadOnlyList<float[]> selectionLabels, IReadOnlyList<float[]> selectionPredictions)
    {
        if (selectionLabels.Count != selectionPredictions.Count || selectionLabels.Count == 0)
            throw new ArgumentException($"The selection needs faces with labels and predictions; got {selectionLabels.Count} and {selectionPredictions.Count}.");
        var (mean, covariance, noise) = Statistics(fitLabels, fitPredictions);
        double without = MeanNme(selectionLabels, selectionPredictions, null);
        var candidates = new List<ShapePriorCandidate>();
        (ShapePrior Prior, double Scale, double Nme)? best = null;
        foreach (var scale in NoiseScales)
        {
            var prior = Build(mean, covariance, noise, scale);
            double nme = MeanNme(selectionLabels, selectionPredictions, prior);
            candidates.Add(new ShapePriorCandidate(scale, nme));
            if (best is null || nme < best.Value.Nme) best = (prior, scale, nme);
        }
        bool helps = best!.Value.Nme < without;
        return new ShapePriorChoice(fitLabels.Count, selectionLabels.Count, without, candidates, helps ? best.Value.Prior : null, helps ? best.Value.Scale : null);
    }

    /// <summary>The labels and the model's predictions (normalized crop coordinates, without any shape prior) of the faces
    /// of <paramref name="dataSpec"/> that have every point labelled and were scored.</summary>
    public static (List<float[]> Labels, List<float[]> Predictions) Predict(string modelPath, string dataSpec)
    {
        var ml = new MLContext(seed: 0);
        using var run = ModelOnDataset.Open(ml, modelPath, dataSpec, requireTruth: true, choices: new ScoringChoices(ShapePrior: false));
        var labels = new List<float[]>();
        var predictions = new List<float[]>();
        foreach (var face in run.Predict())
        {
            if (!face.Scored || face.Truth is null || !face.Truth.All(float.IsFinite)) continue;
            var crop = CropGeometry.FromVector(face.CropGeometry);
            labels.Add(crop.KeypointsToNormalized(face.Truth));
            predictions.Add(crop.KeypointsToNormalized(face.Keypoints));
        }
        if (labels.Count == 0) throw new ArgumentException($"{dataSpec}: no fully labelled face could be scored with {Path.GetFileName(modelPath)}.");
        return (labels, predictions);
    }

    private static double MeanNme(IReadOnlyList<float[]> labels, IReadOnlyList<float[]> predictions, ShapePrior? prior)
    {
        double sum = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            var p = predictions[i].ToArray();
            prior?.Apply(p);
            sum += SelectionError(labels[i], p);
        }
        return sum / labels.Count;
    }

    /// <summary>What the noise scale is chosen by: NME_io for 68-point faces (the 300-W measure); for other point sets,
    /// the mean point error over the label shape's size (the root mean square distance of its points from their centroid).</summary>
    public static double SelectionError(float[] label, float[] prediction)
    {
        if (label.Length == 136) return KeypointErrors.NmeInterOcular(label, prediction);
        int k = label.Length / 2;
        double cx = 0, cy = 0;
        for (int i = 0; i < k; i++) { cx += label[2 * i]; cy += label[2 * i + 1]; }
        cx /= k; cy /= k;
        double spread = 0;
        for (int i = 0; i < k; i++) spread += Math.Pow(label[2 * i] - cx, 2) + Math.Pow(label[2 * i + 1] - cy, 2);
        return KeypointErrors.MeanPointError(label, prediction) / Math.Sqrt(spread / k);
    }

    // The aligned mean shape (centred, unit norm), the covariance of the aligned labels, and the model's error variance per
    // coordinate in the same frame (labels and predictions each aligned to the mean), scaled to mean 1.
    private static (double[] Mean, Matrix<double> Covariance, double[] Noise) Statistics(IReadOnlyList<float[]> labels, IReadOnlyList<float[]> predictions)
    {
        if (labels.Count < 2 || labels.Count != predictions.Count)
            throw new ArgumentException($"A shape prior needs at least two faces with labels and predictions; got {labels.Count} and {predictions.Count}.");
        int n = labels[0].Length;
        if (labels.Concat(predictions).Any(s => s.Length != n)) throw new ArgumentException("Every face must have the same number of points.");
        var shapes = labels.Select(l => l.Select(v => (double)v).ToArray()).ToList();
        var mean = Normalized(shapes[0]);
        for (int iteration = 0; iteration < 10; iteration++)
        {
            var next = new double[n];
            foreach (var s in shapes)
            {
                var aligned = Aligned(s, mean);
                for (int d = 0; d < n; d++) next[d] += aligned[d] / shapes.Count;
            }
            mean = Normalized(next);
        }
        var deviations = Matrix<double>.Build.Dense(shapes.Count, n);
        var noise = new double[n];
        for (int i = 0; i < shapes.Count; i++)
        {
            var aligned = Aligned(shapes[i], mean);
            var predicted = Aligned([.. predictions[i].Select(v => (double)v)], mean);
            for (int d = 0; d < n; d++)
            {
                deviations[i, d] = aligned[d] - mean[d];
                noise[d] += Math.Pow(predicted[d] - aligned[d], 2);
            }
        }
        var covariance = deviations.TransposeThisAndMultiply(deviations) / shapes.Count;
        double average = noise.Average();
        if (!(average > 0)) throw new ArgumentException("The model's predictions equal the labels: there is no error to model.");
        return (mean, covariance, [.. noise.Select(v => v / average)]);
    }

    // Centred at the origin, unit norm.
    private static double[] Normalized(double[] shape)
    {
        int k = shape.Length / 2;
        double cx = 0, cy = 0;
        for (int i = 0; i < k; i++) { cx += shape[2 * i]; cy += shape[2 * i + 1]; }
        cx /= k; cy /= k;
        var c = new double[shape.Length];
        for (int i = 0; i < k; i++) { c[2 * i] = shape[2 * i] - cx; c[2 * i + 1] = shape[2 * i + 1] - cy; }
        double norm = Math.Sqrt(c.Sum(v => v * v));
        return [.. c.Select(v => v / norm)];
    }

    // The similarity (translation, rotation, scale) of shape onto target (centred) by least squares, applied to shape.
    private static double[] Aligned(double[] shape, double[] target)
    {
        int k = shape.Length / 2;
        double cx = 0, cy = 0;
        for (int i = 0; i < k; i++) { cx += shape[2 * i]; cy += shape[2 * i + 1]; }
        cx /= k; cy /= k;
        double a = 0, b = 0, norm = 0;
        for (int i = 0; i < k; i++)
        {
            double x = shape[2 * i] - cx, y = shape[2 * i + 1] - cy, u = target[2 * i], v = target[2 * i + 1];
            a += x * u + y * v;
            b += x * v - y * u;
            norm += x * x + y * y;
        }
        a /= norm; b /= norm;
        var result = new double[shape.Length];
        for (int i = 0; i < k; i++)
        {
            double x = shape[2 * i] - cx, y = shape[2 * i + 1] - cy;
            result[2 * i] = a * x - b * y;
            result[2 * i + 1] = b * x + a * y;
        }
        return result;
    }
}
