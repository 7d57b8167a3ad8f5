using KeypointML.Tooling.Onnx;
using KeypointML.Models;
using KeypointML.Tooling.Bench;
using KeypointML.Training.Export;
using KeypointML.Training.Models;
using static TorchSharp.torch;

namespace KeypointML.Tests.Cli;

/// <summary>
/// Real KeypointML ONNX models made on the fly for the verb tests: freshly initialised (seeded) TorchSharp networks
/// exported with the metadata the training tool writes, and a built 68-point regressor. Their accuracy is poor, but
/// they exercise every step a trained model does.
/// </summary>
internal static class CliTestModels
{
    /// <summary>NoseTipNet as <c>train imm-nose</c> exports it: IMM point 52, the whole image (crop scale 1, not square).</summary>
    public static string Nose(string folder, string fileName = "imm-nose.onnx")
    {
        random.manual_seed(1);
        using var net = new NoseTipNet();
        var path = Path.Combine(folder, fileName);
        OnnxExporter.Export(net, new KeypointModelMetadata
        {
            Name = "imm-nose", InputHeight = net.InputHeight, InputWidth = net.InputWidth, KeypointCount = 1,
            OutputKind = KeypointOutputKind.Coordinates, CropScale = 1f, CropSquare = false,
            TrainingData = "imm-train: 192 faces, point(s) 52",
        }, path);
        return path;
    }

    /// <summary>Face58Net as <c>train imm-face58</c> exports it: all 58 IMM points, the whole image.</summary>
    public static string Face58(string folder)
    {
        random.manual_seed(2);
        using var net = new Face58Net();
        var path = Path.Combine(folder, "imm-face58.onnx");
        OnnxExporter.Export(net, new KeypointModelMetadata
        {
            Name = "imm-face58", InputHeight = net.InputHeight, InputWidth = net.InputWidth, KeypointCount = 58,
            OutputKind = KeypointOutputKind.Coordinates, CropScale = 1f, CropSquare = false, TrainingData = "imm-train: 192 faces",
        }, path);
        return path;
    }

    /// <summary>A small 68-point conv regressor (sigmoid outputs: every point inside the crop), square crops of the box.</summary>
    public static string Ibug68(string folder) =>
        SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvRegressor(64, 64, 68), Path.Combine(folder, "ibug68-tiny.onnx"));

    /// <summary>The same regressor with the metadata <c>train ibug-resnet18</c> writes: trained on ibug-train, square
    /// crops of the face box scaled by <paramref name="cropScale"/>.</summary>
    public static string Ibug68Trained(string folder, float cropScale)
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(SyntheticOnnxModels.ConvRegressor(64, 64, 68));
        var metadata = KeypointModelMetadata.FromProperties(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value), "ConvRegressor") with
        {
            Name = "ibug-resnet18", CropScale = cropScale, CropSquare = true, TrainingData = "ibug-train: 1220 faces",
        };
        model.MetadataProps.Clear();
        foreach (var (key, value) in metadata.ToProperties()) model.MetadataProps.Add(new Onnx.StringStringEntryProto { Key = key, Value = value });
        return SyntheticOnnxModels.Save(Google.Protobuf.MessageExtensions.ToByteArray(model), Path.Combine(folder, "ibug68-trained.onnx"));
    }
}
