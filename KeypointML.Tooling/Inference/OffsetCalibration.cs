using KeypointML.Geometry;
using KeypointML.Models;
using Microsoft.ML;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// A model's mean error (prediction minus label, normalized crop coordinates) on labelled faces, as it decodes by
/// default: what <c>keypointml ship --calibrate DATA</c> records in the model (<see cref="KeypointModelMetadata.Offset"/>)
/// and the decoders subtract (<see cref="Codecs.OffsetCorrectedCodec"/>). Measure it on the faces the model was trained
/// on (<c>ibug-fit</c> for the 68-point recipes), never on those it is selected or tested on.
/// </summary>
public static class OffsetCalibration
{
    /// <summary>The mean offset still left in <paramref name="modelPath"/>'s predictions on <paramref name="dataSpec"/>
    /// (after any offset the model already carries), and the number of faces it is measured on.</summary>
    public static (float X, float Y, int Faces) Residual(string modelPath, string dataSpec)
    {
        var ml = new MLContext(seed: 0);
        using var run = ModelOnDataset.Open(ml, modelPath, dataSpec, requireTruth: true);
        double sx = 0, sy = 0;
        long points = 0;
        int faces = 0;
        foreach (var face in run.Predict())
        {
            if (!face.Scored || face.Truth is null) continue;
            var crop = CropGeometry.FromVector(face.CropGeometry);
            var predicted = crop.KeypointsToNormalized(face.Keypoints);
            var truth = crop.KeypointsToNormalized(face.Truth);
            for (int i = 0; i + 1 < truth.Length; i += 2)
            {
                if (!float.IsFinite(truth[i]) || !float.IsFinite(truth[i + 1])) continue;
                sx += predicted[i] - truth[i];
                sy += predicted[i + 1] - truth[i + 1];
                points++;
            }
            faces++;
        }
        if (points == 0) throw new ArgumentException($"{dataSpec}: no labelled face could be scored to calibrate {Path.GetFileName(modelPath)} on.");
        return ((float)(sx / points), (float)(sy / points), faces);
    }
}
