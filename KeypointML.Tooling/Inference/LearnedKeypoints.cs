using System.Globalization;
using System.Text.RegularExpressions;
using KeypointML.Models;

namespace KeypointML.Tooling.Inference;

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
        // Indices name points of the training data's scheme (IMM 58 or iBUG 68): on another scheme they mean other points.
        bool sameScheme = SchemePointCount(model) is not int scheme || scheme == datasetKeypointCount;
        if (recorded is not null && recorded.Length == model.KeypointCount && sameScheme && recorded.All(i => i < datasetKeypointCount))
        {
            indices = recorded;
            return true;
        }
        return model.KeypointCount == datasetKeypointCount;
    }

    /// <summary>The point count of the scheme the model was trained on, from its training data text (imm..., ibug...), or null.</summary>
    public static int? SchemePointCount(KeypointModelMetadata model)
    {
        var trainedOn = model.TrainingData.TrimStart();
        if (trainedOn.StartsWith("imm", StringComparison.OrdinalIgnoreCase)) return Data.ImmFaceDatabase.PointCount;
        if (trainedOn.StartsWith("ibug", StringComparison.OrdinalIgnoreCase)) return Data.IbugXmlReader.PointCount;
        return null;
    }

    /// <summary>As <see cref="TryResolve"/>, but a mismatch is a user mistake with a message that says what does not fit.</summary>
    public static int[]? Resolve(KeypointModelMetadata model, string modelPath, int datasetKeypointCount, string datasetName)
    {
        if (datasetKeypointCount <= 0)
            throw new ArgumentException($"dataset '{datasetName}' has no keypoint labels to compare with; use 'predict' for unlabelled images.");
        if (!TryResolve(model, datasetKeypointCount, out var indices))
            throw new ArgumentException($"{modelPath} predicts {model.KeypointCount} point(s) but dataset '{datasetName}' labels {datasetKeypointCount}; " +
                (string.IsNullOrWhiteSpace(model.TrainingData) ? "the model's metadata does not say which of them it learned." : $"its points (trained on {model.TrainingData}) cannot be matched to them."));
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
