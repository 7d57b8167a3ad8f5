using KeypointML.Data;
using KeypointML.Training.Training;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>Images of black with a bright blob; the target is the blob's centre (one keypoint), normalized.</summary>
internal static class SyntheticData
{
    public static TensorDataset Dots(int count, int height, int width, ulong seed)
    {
        var rng = new SeededRandom(seed);
        var images = new float[count * height * width];
        var targets = new float[count * 2];
        for (int n = 0; n < count; n++)
        {
            double x = rng.Uniform(0.2 * width, 0.8 * width), y = rng.Uniform(0.2 * height, 0.8 * height);
            for (int j = 0; j < height; j++)
                for (int i = 0; i < width; i++)
                    images[(n * height + j) * width + i] = -0.5f + (float)Math.Exp(-((i - x) * (i - x) + (j - y) * (j - y)) / 18.0);
            targets[2 * n] = (float)((x + 0.5) / width);
            targets[2 * n + 1] = (float)((y + 0.5) / height);
        }
        return new TensorDataset(tensor(images).reshape(count, 1, height, width), tensor(targets).reshape(count, 2));
    }
}
