using KeypointML.Data;
using KeypointML.Preprocessing;
using KeypointML.Tooling.Inference;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>
/// Turns dataset rows into a <see cref="TensorDataset"/> through the library's preprocessing definition
/// (<see cref="FacePreprocessing"/>: load -> crop around the dataset's box -> grey, resize, normalize), the steps
/// <c>DetectKeypoints</c> runs at inference. The pipeline runs once; its pixel vectors and crop geometries are read into
/// an in-memory tensor cache, and the targets are the learned keypoints mapped by that same crop geometry.
/// </summary>
public static class FaceTensorLoader
{
    /// <param name="keypointIndices">The dataset points the model learns, in order (null = all).</param>
    public static TensorDataset Load(MLContext ml, IReadOnlyList<KeypointSample> samples, FacePreprocessing preprocessing, int[]? keypointIndices = null)
    {
        if (samples.Count == 0) throw new ArgumentException("The dataset has no faces.");
        int k = samples[0].KeypointCount;
        if (k == 0) throw new ArgumentException($"{samples[0].ImagePath}: the dataset has no keypoints to train on.");
        int height = preprocessing.InputHeight, width = preprocessing.InputWidth;
        var read = FaceTensors.Read(ml, samples, preprocessing);
        var targets = new List<float>();
        var faces = new List<FaceRecord>(samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            var learned = LearnedKeypoints.Select(samples[i].Keypoints, keypointIndices);
            targets.AddRange(read.Crops[i].KeypointsToNormalized(learned));
            faces.Add(new FaceRecord(samples[i].ImagePath, read.Crops[i], learned));
        }
        int n = samples.Count;
        int d = targets.Count / n;
        return new TensorDataset(tensor(read.Pixels).reshape(n, 1, height, width), tensor(targets.ToArray()).reshape(n, d), faces);
    }
}
