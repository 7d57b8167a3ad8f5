using System.Reflection;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KeypointML.Training.Models;

/// <summary>
/// Initialises a ResNet18 encoder (<see cref="ResNet18"/>, <see cref="HeatmapResNet18"/>) from ImageNet weights: the ResNet18 ONNX file shipped by the MIT-licensed NuGet
/// package Microsoft.ML.DnnImageFeaturizer.ResNet18 (tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx, a CNTK export
/// without the classifier). Its graph is read with OnnxSharp and each Conv (+ the BatchNormalization that consumes it)
/// is mapped to our layers by stage (output width) and order, and checked by shape.
/// </summary>
/// <remarks>
/// <para>First layer: the three RGB filters are summed into one grey filter (a grey image is R = G = B), and multiplied by
/// 255 because that network expects 0..255 pixels minus a mean image (its preprocessing model) while ours get
/// <c>gray/255 - 0.5</c>, i.e. <c>(gray - 127.5) / 255</c>: with the factor the first layer sees the scale it was
/// trained on and the ImageNet BatchNorm statistics stay meaningful.</para>
/// <para>The classifier (<c>fc</c>) and a heatmap decoder keep their random initialisation: ImageNet has none for them.</para>
/// </remarks>
public static class ImageNetResNet18
{
    /// <summary>The package and file that hold the weights.</summary>
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string PackageVersion = "0.23.1";
    public const string RelativePath = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>Finds ResNet18.onnx: the restored package recorded at build time, else the NuGet package folder.</summary>
    public static string? FindOnnx()
    {
        var candidates = new List<string>();
        var recorded = typeof(ImageNetResNet18).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ResNet18OnnxPackagePath")?.Value;
        if (!string.IsNullOrEmpty(recorded)) candidates.Add(Path.Combine(recorded, RelativePath));
        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(nugetRoot)) nugetRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        candidates.Add(Path.Combine(nugetRoot, PackageId.ToLowerInvariant(), PackageVersion, RelativePath));
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Loads the ImageNet weights from <paramref name="onnxPath"/> (or the package) into <paramref name="net"/>, stage by
    /// stage, block by block. Returns how many of the file's blocks were left out: the shipped file is a CNTK
    /// "ResNet18" with 2, 2, 2, 3 blocks; a standard ResNet18 (2, 2, 2, 2) takes the first two blocks of the last stage
    /// and leaves out the third (a residual block, so the network stays well-formed; fine-tuning adapts the rest).
    /// </summary>
    public static int Load(IResNetEncoder net, string? onnxPath = null)
    {
        onnxPath ??= FindOnnx() ?? throw new FileNotFoundException(
            $"ImageNet ResNet18 weights not found: restore the NuGet package {PackageId} {PackageVersion} (dotnet restore) or pass the path of its {RelativePath}.");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath));
        var init = model.Graph.Initializer.ToDictionary(t => t.Name);
        var nodes = model.Graph.Node;

        float[] Values(string name)
        {
            if (!init.TryGetValue(name, out var t)) throw new InvalidDataException($"{onnxPath}: initializer '{name}' is missing.");
            if (t.FloatData.Count > 0) return t.FloatData.ToArray();
            var raw = t.RawData.ToByteArray();
            var v = new float[raw.Length / 4];
            Buffer.BlockCopy(raw, 0, v, 0, raw.Length);
            return v;
        }
        long[] Dims(string name) => init[name].Dims.ToArray();

        var convs = nodes.Where(n => n.OpType == "Conv").ToList();
        NodeProto BnAfter(NodeProto conv) => nodes.FirstOrDefault(n => n.OpType == "BatchNormalization" && n.Input[0] == conv.Output[0])
            ?? throw new InvalidDataException($"{onnxPath}: no BatchNormalization after {conv.Name}.");

        var first = convs.FirstOrDefault(c => Dims(c.Input[1]) is [64, 3, 7, 7]) ?? throw new InvalidDataException($"{onnxPath}: no 7x7 RGB first convolution.");
        // Group the file's blocks by stage (output channels 64, 128, 256, 512): 3x3 convolutions come in pairs per block,
        // a 1x1 convolution is the projection shortcut of its stage's first block.
        long[] widths = [64, 128, 256, 512];
        var pairs = new List<(NodeProto C1, NodeProto C2)>[4];
        var projections = new NodeProto?[4];
        for (int s = 0; s < 4; s++) pairs[s] = [];
        var threeByThree = convs.Where(c => c != first && Dims(c.Input[1])[2] == 3).ToList();
        if (threeByThree.Count % 2 != 0) throw new InvalidDataException($"{onnxPath}: an odd number ({threeByThree.Count}) of 3x3 convolutions.");
        for (int i = 0; i < threeByThree.Count; i += 2)
        {
            int s = Array.IndexOf(widths, Dims(threeByThree[i].Input[1])[0]);
            if (s < 0) throw new InvalidDataException($"{onnxPath}: a 3x3 convolution with {Dims(threeByThree[i].Input[1])[0]} outputs.");
            pairs[s].Add((threeByThree[i], threeByThree[i + 1]));
        }
        foreach (var c in convs.Where(c => Dims(c.Input[1])[2] == 1))
            projections[Array.IndexOf(widths, Dims(c.Input[1])[0])] = c;

        using var _ = no_grad();
        // First layer: sum RGB -> grey, times 255 (see remarks).
        var w = Values(first.Input[1]);
        var grey = new float[64 * 49];
        for (int o = 0; o < 64; o++)
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 49; k++)
                    grey[o * 49 + k] += 255f * w[(o * 3 + c) * 49 + k];
        Copy(net.Conv1.weight!, grey, onnxPath, "conv1");
        CopyBn(net.Bn1, BnAfter(first), Values, onnxPath);

        var stages = net.Stages;
        int skipped = 0;
        for (int s = 0; s < 4; s++)
        {
            if (stages[s].Count > pairs[s].Count)
                throw new InvalidDataException($"{onnxPath}: stage {s + 1} has {pairs[s].Count} blocks; the network needs {stages[s].Count}.");
            skipped += pairs[s].Count - stages[s].Count;
            for (int b = 0; b < stages[s].Count; b++)
            {
                var block = stages[s][b];
                var (c1, c2) = pairs[s][b];
                Copy(block.Conv1.weight!, Values(c1.Input[1]), onnxPath, c1.Input[1]);
                CopyBn(block.Bn1, BnAfter(c1), Values, onnxPath);
                Copy(block.Conv2.weight!, Values(c2.Input[1]), onnxPath, c2.Input[1]);
                CopyBn(block.Bn2, BnAfter(c2), Values, onnxPath);
                if (block.DownsampleConv is not null)
                {
                    var d = projections[s] ?? throw new InvalidDataException($"{onnxPath}: stage {s + 1} has no 1x1 projection.");
                    Copy(block.DownsampleConv.weight!, Values(d.Input[1]), onnxPath, d.Input[1]);
                    CopyBn(block.DownsampleBn!, BnAfter(d), Values, onnxPath);
                }
            }
        }
        return skipped;
    }

    private static void Copy(Tensor target, float[] values, string file, string what)
    {
        if (target.numel() != values.Length)
            throw new InvalidDataException($"{file}: '{what}' has {values.Length} values; the layer [{string.Join(",", target.shape)}] needs {target.numel()}.");
        target.copy_(tensor(values).reshape(target.shape));
    }

    private static void CopyBn(BatchNorm2d bn, NodeProto node, Func<string, float[]> values, string file)
    {
        Copy(bn.weight!, values(node.Input[1]), file, node.Input[1]);
        Copy(bn.bias!, values(node.Input[2]), file, node.Input[2]);
        Copy(bn.running_mean!, values(node.Input[3]), file, node.Input[3]);
        Copy(bn.running_var!, values(node.Input[4]), file, node.Input[4]);
    }
}
