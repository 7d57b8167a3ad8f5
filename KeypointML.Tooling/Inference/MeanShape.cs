using KeypointML.Data;
using KeypointML.Preprocessing;

namespace KeypointML.Tooling.Inference;

/// <summary>The trivial baseline model: every face gets the mean training shape in its own crop.</summary>
public static class MeanShape
{
    /// <summary>
    /// The mean over <paramref name="samples"/> of their learned keypoints (<paramref name="keypointIndices"/>, null = all)
    /// in normalized coordinates of the crop <paramref name="preprocessing"/> makes, without decoding an image: the
    /// training tool's mean target of the same faces. Summed in double, so it may differ from the tensor mean (float) in
    /// the last bit.
    /// </summary>
    public static float[] Of(FacePreprocessing preprocessing, IReadOnlyCollection<KeypointSample> samples, int[]? keypointIndices)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces to average.");
        double[]? sum = null;
        foreach (var sample in samples)
        {
            var target = preprocessing.CropOf(sample.Box).KeypointsToNormalized(LearnedKeypoints.Select(sample.Keypoints, keypointIndices));
            sum ??= new double[target.Length];
            if (target.Length != sum.Length) throw new InvalidDataException($"{sample.ImagePath}: {target.Length / 2} keypoints; earlier faces have {sum.Length / 2}.");
            for (int i = 0; i < target.Length; i++) sum[i] += target[i];
        }
        return sum!.Select(v => (float)(v / samples.Count)).ToArray();
    }
}
