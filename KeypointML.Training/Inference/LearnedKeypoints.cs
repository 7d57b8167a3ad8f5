using System.Globalization;
using System.Text.RegularExpressions;
using KeypointML.Models;

namespace KeypointML.Training.Inference;

/// <summary>
/// Which of a dataset's labelled keypoints a model predicts, so its output can be compared with the labels.
/// </summary>
/// <remarks>
/// A model that predicts as many points as the dataset labels predicts all of them, in order. A model trained on a
/// subset (imm-nose learns IMM point 52 of 58) carries no separate metadata key for it: the training tool records the
/// subset at the end of <c>keypointml.training_data</c> as "point(s) 52" (see <c>RecipeRunner</c>), and that is what
/// is read here, so the models already exported need nothing new.
/// </remarks>
public static partial class LearnedKeypoints
{
    [GeneratedRegex(@"point\(s\)\s+(?<indices>\d+(?:\s+\d+)*)\s*$")]
    private static partial Regex RecordedSubset();

    /// <summary>The point indices the training data text records, or null when it records none.</summary>
    public static int[]? RecordedIndices(KeypointModelMetadata model)
    {
        var match = RecordedSubset().Match(model.TrainingData);
        return match.Success
            ? match.Groups["indices"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : null;
    }

    /// <summary>
    /// The dataset's point indices in the order the model predicts them (null = all points, in order), or false when
    /// the model's points cannot be matched to the dataset's <paramref name="datasetKeypointCount"/> labelled points.
    /// </summary>
    public static bool TryResolve(KeypointModelMetadata model, int datasetKeypointCount, out int[]? indices)
    {
        indices = null;
        if (datasetKeypointCount <= 0) return false;
        var recorded = RecordedIndices(model);
        if (recorded is not null && recorded.Length == model.KeypointCount && recorded.All(i => i < datasetKeypointCount))
        {
            indices = recorded;
            return true;
        }
        return model.KeypointCount == datasetKeypointCount;
    }

    /// <summary>As <see cref="TryResolve"/>, but a mismatch is a user mistake with a message that says what does not fit.</summary>
    public static int[]? Resolve(KeypointModelMetadata model, string modelPath, int datasetKeypointCount, string datasetName)
    {
        if (datasetKeypointCount <= 0)
            throw new ArgumentException($"dataset '{datasetName}' has no keypoint labels to compare with; use 'predict' for unlabelled images.");
        if (!TryResolve(model, datasetKeypointCount, out var indices))
            throw new ArgumentException($"{modelPath} predicts {model.KeypointCount} point(s) but dataset '{datasetName}' labels {datasetKeypointCount}; " +
                "the model's metadata does not say which of them it learned.");
        return indices;
    }

    /// <summary>The selected points (x, y pairs) of <paramref name="keypoints"/>; all of them when <paramref name="indices"/> is null.</summary>
    public static float[] Select(float[] keypoints, int[]? indices)
    {
        if (indices is null) return keypoints;
        var selected = new float[2 * indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            selected[2 * i] = keypoints[2 * indices[i]];
            selected[2 * i + 1] = keypoints[2 * indices[i] + 1];
        }
        return selected;
    }
}
