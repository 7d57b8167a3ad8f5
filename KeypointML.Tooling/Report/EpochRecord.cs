namespace KeypointML.Tooling.Report;

/// <summary>One epoch's numbers.</summary>
/// <param name="ValidationKeypointMse">MSE of the normalized coordinates decoded from the validation outputs, for objectives
/// whose loss is something else (heatmaps); null when the loss is that MSE.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidationLoss, double Seconds, double? ValidationKeypointMse = null)
{
    /// <summary>What model selection minimises: the validation keypoint MSE (which is the validation loss of coordinate models).</summary>
    public double SelectionMetric => ValidationKeypointMse ?? ValidationLoss;
}
