using KeypointML.Models;
using KeypointML.Tooling.Inference;
using Microsoft.ML;

namespace KeypointML.Tooling.Onnx;

/// <summary>Faces to measure int8 activation ranges on (<see cref="Int8Quantizer"/>): input tensors of the model, and the
/// data they came from; and which ends of the network the quantization takes.</summary>
public sealed record Int8Calibration(IReadOnlyList<float[]> Faces, string DataName)
{
    /// <summary>Quantize the output head's convolution too (<see cref="Int8Quantizer.Apply"/>'s <c>integerHead</c>).</summary>
    public bool IntegerHead { get; init; }
    /// <summary>Leave a one-channel input and the stem convolution float (<see cref="Int8Quantizer.Apply"/>'s <c>floatStem</c>).</summary>
    public bool FloatStem { get; init; }

    /// <summary><paramref name="count"/> faces of <paramref name="dataSpec"/>, spread over it (null: all), as <paramref name="modelPath"/>'s inputs.</summary>
    /// <remarks>All by default: on the 122 held-out faces, int8 ibug68-heatmap scored 3.040 / 3.026 / 3.036% NME with
    /// ranges from 64 / 256 / all 1098 training faces, ibug68-fast 3.846 / 3.858 / 3.847% (float: 3.025 and 3.851%): the
    /// count moves the result by noise only, so no choice of subset is made.</remarks>
    public static Int8Calibration Of(string modelPath, string dataSpec, int? count = null)
    {
        using var model = KeypointModel.Open(modelPath);
        return new Int8Calibration(FaceTensors.Sample(new MLContext(seed: 0), dataSpec, model.Preprocessing, count), dataSpec);
    }
}
