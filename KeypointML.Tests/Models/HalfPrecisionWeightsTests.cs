using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tests.Transforms;
using KeypointML.Tooling.Onnx;

namespace KeypointML.Tests.Models;

/// <summary><c>ship --half</c>: the weights stored as float16, the computation still float32.</summary>
public class HalfPrecisionWeightsTests
{
    [Test]
    public void A_model_shipped_with_half_weights_is_half_the_file_and_scores_within_the_rounding()
    {
        using var files = new TestFiles();
        string source = RepositoryFiles.Model("imm-face58");
        var half = ShippedModelWriter.Ship(source, "imm-face58", files.Folder, halfPrecisionWeights: true);
        Assert.That((double)new FileInfo(half).Length, Is.EqualTo(new FileInfo(source).Length / 2.0).Within(0.02 * new FileInfo(source).Length));

        using var full = KeypointModel.Open(source);
        using var stored = KeypointModel.Open(half);
        Assert.That(stored.Metadata, Is.EqualTo(full.Metadata), "the metadata is kept");
        var rng = new SeededRandom(5);
        var x = new float[2 * full.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.Uniform(-0.5, 0.5);
        var a = new float[2 * full.OutputLength];
        var b = new float[2 * full.OutputLength];
        full.Run(x, 2, a);
        stored.Run(x, 2, b);
        // Coordinates in crop units: 1e-3 of a 640-pixel-wide crop is 0.6 px at most, and typically far less.
        double max = a.Zip(b).Max(t => Math.Abs(t.First - t.Second));
        Assert.That(max, Is.GreaterThan(0).And.LessThan(1e-3));

        // Shipping a model whose weights are already float16 again keeps them so (nothing is rounded twice).
        var again = ShippedModelWriter.Ship(half, "imm-face58-again", files.Folder, halfPrecisionWeights: true);
        Assert.That(new FileInfo(again).Length, Is.EqualTo(new FileInfo(half).Length).Within(64));
    }
}
