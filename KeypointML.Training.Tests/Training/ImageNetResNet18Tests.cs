using KeypointML.Training.Export;
using KeypointML.Training.Models;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace KeypointML.Tests.Training;

public class ImageNetResNet18Tests
{
    /// <summary>
    /// Our ResNet18 with the ImageNet weights computes the same 512 features as the original ONNX network fed with the
    /// grey image in all three channels (0..255 scale, centred at 127.5), so the mapping of every layer is right.
    /// </summary>
    [Test]
    public void LoadedWeights_ReproduceTheOriginalNetworksFeatures()
    {
        var onnx = ImageNetResNet18.FindOnnx();
        if (onnx is null) Assert.Ignore($"{ImageNetResNet18.PackageId} is not restored.");
        random.manual_seed(1);
        // The shipped file has 3 blocks in its last stage: build the same to compare every layer.
        using var net = new ResNet18(68, 224, 224, [2, 2, 2, 3]);
        Assert.That(ImageNetResNet18.Load(net, onnx), Is.EqualTo(0));
        net.eval();
        using var img = TestImages.Load(1, 224, 224);   // gray/255 - 0.5

        // Original network: R = G = B = gray - 127.5 (its preprocessing subtracts a mean image in 0..255 units).
        var grey = (img * 255f).contiguous().data<float>().ToArray();
        var rgb = grey.Concat(grey).Concat(grey).ToArray();
        using var session = new InferenceSession(onnx);
        var inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor(rgb, [1, 3, 224, 224]))]);
        var features = results.First().AsEnumerable<float>().ToArray();
        Assert.That(features, Has.Length.EqualTo(512));

        using var _ = no_grad();
        var fc = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var expected = (tensor(features).reshape(1, 512).matmul(fc["fc.weight"].t()) + fc["fc.bias"]).data<float>().ToArray();
        var actual = net.call(img).data<float>().ToArray();
        float scale = expected.Max(MathF.Abs);
        float diff = expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"max |fc(features)| {scale:E3}, max abs difference {diff:E3}");
        Assert.That(diff, Is.LessThan(1e-3f * Math.Max(1f, scale)));
    }

    [Test]
    public void StandardResNet18_TakesTheFirstTwoBlocksOfTheLastStage()
    {
        var onnx = ImageNetResNet18.FindOnnx();
        if (onnx is null) Assert.Ignore($"{ImageNetResNet18.PackageId} is not restored.");
        using var net = new ResNet18(68, 64, 64);
        Assert.That(ImageNetResNet18.Load(net, onnx), Is.EqualTo(1));
        using var _ = no_grad();
        // The grey first-layer filters are the sums of the RGB filters: not the random Kaiming initialisation any more.
        var p = net.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.That(p["conv1.weight"].shape, Is.EqualTo(new long[] { 64, 1, 7, 7 }));
        Assert.That(p["bn1.weight"].mean().item<float>(), Is.Not.EqualTo(1f));
    }
}
