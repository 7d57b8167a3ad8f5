namespace KeypointML.Transforms;

/// <summary>What <c>DetectKeypoints</c> does with a row it cannot score (an unreadable image, an unusable face box).</summary>
/// <remarks>Whatever the policy, a bad row never costs a good one: rows are scored on their own, and the reason is
/// decided per row before any batching.</remarks>
public enum BadRowPolicy
{
    /// <summary>Keep the row: its <see cref="KeypointColumns.Error"/> column says why, its keypoints and confidences are
    /// NaN. The default: a batch of a million photos finishes, and the bad rows can be listed afterwards.</summary>
    Mark,
    /// <summary>Leave the row out of <c>Transform</c>'s output (a PredictionEngine, which must answer every row, marks it).</summary>
    Skip,
    /// <summary>Stop at the first bad row with a <see cref="KeypointRowException"/> that names the row and the file.</summary>
    Fail,
}
