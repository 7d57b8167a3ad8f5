namespace KeypointML.Tooling.Inference;

/// <summary>One face as a model saw and predicted it (all coordinates in pixels of the original image).</summary>
/// <param name="ImagePath">Absolute path of the image.</param>
/// <param name="Box">The dataset's face box: left, top, width, height (the whole image when the dataset has none).</param>
/// <param name="ImageSize">Width, height.</param>
/// <param name="CropGeometry">The crop the model saw: X0, Y0, width, height.</param>
/// <param name="Truth">The labelled points the model predicts (x0, y0, ...), or null without labels.</param>
/// <param name="Keypoints">The predicted points x0, y0, ...</param>
/// <param name="Confidence">Per-point confidence (heatmap models), or null.</param>
/// <param name="Error">Why the face could not be scored (its points are NaN); empty when it was.</param>
public sealed record FacePrediction(string ImagePath, float[] Box, float[] ImageSize, float[] CropGeometry, float[]? Truth, float[] Keypoints, float[]? Confidence = null,
    string Error = "")
{
    /// <summary>Whether the pipeline scored the face (see <see cref="Transforms.BadRowPolicy"/>).</summary>
    public bool Scored => Error.Length == 0;

    /// <summary>Mean Euclidean distance between predicted and labelled points in pixels; null without labels.</summary>
    public double? MeanPixelError
    {
        get
        {
            if (Truth is null) return null;
            double sum = 0;
            for (int i = 0; i + 1 < Keypoints.Length; i += 2)
                sum += Math.Sqrt(Math.Pow(Keypoints[i] - Truth[i], 2) + Math.Pow(Keypoints[i + 1] - Truth[i + 1], 2));
            return sum / (Keypoints.Length / 2);
        }
    }
}
