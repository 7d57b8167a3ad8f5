using KeypointML.Preprocessing;
using KeypointML.Data;
using KeypointML.Training.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>Real IMM faces as model inputs [N,1,H,W], made by the same ML.NET preprocessing training and inference use.</summary>
internal static class TestImages
{
    public static Tensor Load(int count, int height, int width)
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(0);
        var rows = KeypointDatasets.Load(ml, KeypointDatasets.ImmValidation).Rows.Take(count).ToList();
        using var data = FaceTensorLoader.Load(ml, rows, new FacePreprocessing { InputHeight = height, InputWidth = width, CropScale = 1f, CropSquare = false });
        return data.Images.clone();
    }
}
