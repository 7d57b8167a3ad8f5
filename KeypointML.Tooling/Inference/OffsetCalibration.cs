using KeypointML.Codecs;
using KeypointML.Geometry;
using KeypointML.Models;
using Microsoft.ML;

namespace KeypointML.Tooling.Inference;

/// <summary>How <c>keypointml ship --calibrate</c> measures a model's bias.</summary>
public enum CalibrationKind
{
    /// <summary>One mean error (x, y) for every point: what the first calibrated models carry.</summary>
    Mean,
    /// <summary>One mean error per point (the default: better on the held-out faces, docs/mlnet-components.md).</summary>
    PerPoint,
}

/// <summary>
/// A model's mean error (prediction minus label, normalized crop coordinates) on labelled faces, as it decodes by
/// default: what <c>keypointml ship --calibrate DATA</c> records in the model (<see cref="KeypointModelMetadata.Offsets"/>)
/// and the decoders subtract (<see cref="OffsetCorrectedCodec"/>). Measure it on the faces the model was trained
/// on (<c>ibug-fit</c> for the 68-point recipes), never on those it is selected or tested on.
/// </summary>
public static class OffsetCalibration
{
    /// <summary>The mean error still left in <paramref name="modelPath"/>'s predictions on <paramref name="dataSpec"/>
    /// (after any offsets the model already carries), per point or over all points, and the number of faces it is
    /// measured on. A point without a single finite label in the data gets the mean over all points.</summary>
    public static (CalibrationOffsets Residual, int Faces) Measure(string modelPath, string dataSpec, CalibrationKind kind = CalibrationKind.PerPoint)
    {
        var ml = new MLContext(seed: 0);
        using var run = ModelOnDataset.Open(ml, modelPath, dataSpec, requireTruth: true);
        double[]? sums = null;
        long[]? counts = null;
        int faces = 0;
        foreach (var face in run.Predict())
        {
            if (!face.Scored || face.Truth is null) continue;
            var crop = CropGeometry.FromVector(face.CropGeometry);
            var predicted = crop.KeypointsToNormalized(face.Keypoints);
            var truth = crop.KeypointsToNormalized(face.Truth);
            sums ??= new double[truth.Length];
            counts ??= new long[truth.Length / 2];
            for (int i = 0; i + 1 < truth.Length; i += 2)
            {
                if (!float.IsFinite(truth[i]) || !float.IsFinite(truth[i + 1])) continue;
                sums[i] += predicted[i] - truth[i];
                sums[i + 1] += predicted[i + 1] - truth[i + 1];
                counts[i / 2]++;
            }
            faces++;
        }
        long points = counts?.Sum() ?? 0;
        if (points == 0) throw new ArgumentException($"{dataSpec}: no labelled face could be scored to calibrate {Path.GetFileName(modelPath)} on.");
        double sx = 0, sy = 0;
        for (int i = 0; i < counts!.Length; i++) { sx += sums![2 * i]; sy += sums[2 * i + 1]; }
        var (meanX, meanY) = ((float)(sx / points), (float)(sy / points));
        if (kind == CalibrationKind.Mean) return (CalibrationOffsets.Uniform(meanX, meanY), faces);
        var perPoint = new float[sums!.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            perPoint[2 * i] = counts[i] > 0 ? (float)(sums[2 * i] / counts[i]) : meanX;
            perPoint[2 * i + 1] = counts[i] > 0 ? (float)(sums[2 * i + 1] / counts[i]) : meanY;
        }
        return (CalibrationOffsets.PerPoint(perPoint), faces);
    }
}
