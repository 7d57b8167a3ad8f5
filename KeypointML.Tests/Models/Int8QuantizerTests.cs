using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tests.Transforms;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;
using Microsoft.ML;
using Onnx;

namespace KeypointML.Tests.Models;

/// <summary><c>ship --int8</c>: batch normalizations folded, QDQ pairs around the activations, int8 convolution weights;
/// the model still takes and returns float32 and scores as the float model does, within the rounding.</summary>
public class Int8QuantizerTests
{
    private static float[] Run(KeypointModel model, float[] input, int rows)
    {
        var output = new float[rows * model.OutputLength];
        model.Run(input, rows, output);
        return output;
    }

    private static float[] Concat(IReadOnlyList<float[]> faces) => [.. faces.SelectMany(f => f)];

    [Test]
    public void Folding_batch_normalization_into_the_convolutions_leaves_the_function()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var files = new TestFiles();
        string source = RepositoryFiles.Model("ibug68-heatmap");
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
        int normalizations = proto.Graph.Node.Count(n => n.OpType == "BatchNormalization");
        OnnxTensors.MaterializeWeights(proto.Graph);   // its float16 weights become float32 initializers, which folding rewrites
        Assert.That(proto.Graph.Node.Any(n => n.OpType is "Constant" or "Cast"), Is.False);
        Assert.That(BatchNormFolding.Apply(proto.Graph), Is.EqualTo(normalizations).And.GreaterThan(20));
        Assert.That(proto.Graph.Node.Any(n => n.OpType == "BatchNormalization"), Is.False);
        var folded = Path.Combine(files.Folder, "folded.onnx");
        File.WriteAllBytes(folded, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        using var original = KeypointModel.Open(source);
        using var refolded = KeypointModel.Open(folded);
        var faces = Concat(FaceTensors.Sample(new MLContext(0), KeypointDatasets.IbugValidation, original.Preprocessing, 2));
        var a = Run(original, faces, 2);
        var b = Run(refolded, faces, 2);
        Assert.That(a.Zip(b).Max(t => Math.Abs(t.First - t.Second)), Is.LessThan(1e-5), "probabilities, float rounding only");
    }

    [Test]
    public void An_int8_model_is_smaller_and_decodes_to_the_float_models_points_within_a_fraction_of_a_cell()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var files = new TestFiles();
        string source = RepositoryFiles.Model("ibug68-heatmap");
        var calibration = Int8Calibration.Of(source, KeypointDatasets.IbugFit, count: 16);
        var quantized = ShippedModelWriter.Ship(source, "ibug68-heatmap", files.Folder, int8: calibration);
        Assert.That(new FileInfo(quantized).Length, Is.LessThan(0.6 * new FileInfo(source).Length), "int8 weights: half of the float16 ones, plus the graph");

        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(quantized));
        var convs = proto.Graph.Node.Where(n => n.OpType == "Conv").ToList();
        int int8Convs = convs.Count(c => c.Input[1].EndsWith("/weight/dq"));
        Assert.That(int8Convs, Is.EqualTo(convs.Count - 1), "every convolution but the output head carries int8 weights");
        Assert.That(proto.Graph.Initializer.Count(t => t.DataType == (int)TensorProto.Types.DataType.Int8 && t.Name.EndsWith("/weight/int8")), Is.EqualTo(int8Convs));
        var head = convs.Single(c => !c.Input[1].EndsWith("/weight/dq"));
        Assert.That(proto.Graph.Node.Single(n => n.Input.Contains(head.Output[0])).OpType, Is.EqualTo("Sigmoid"), "the float convolution is the output head");
        Assert.That(proto.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 4).Select(t => t.Name),
            Is.EqualTo(new[] { head.Input[1] }), "no float convolution weights left but the head's");
        Assert.That(proto.Graph.Node.Count(n => n.OpType == "QuantizeLinear"), Is.GreaterThan(30));
        Assert.That(proto.MetadataProps.Single(p => p.Key == Int8Quantizer.MetadataKey).Value, Does.StartWith($"int8 QDQ: {int8Convs} of {convs.Count} convolutions").And.Contain("16 faces of ibug-fit"));

        // Faces the calibration never saw: the points move by a fraction of a heatmap cell (4 input pixels), not more.
        using var full = KeypointModel.Open(source);
        using var int8 = KeypointModel.Open(quantized);
        Assert.That(int8.Metadata, Is.EqualTo(full.Metadata), "the KeypointML metadata is kept");
        const int Faces = 6;
        var faces = Concat(FaceTensors.Sample(new MLContext(0), KeypointDatasets.IbugValidation, full.Preprocessing, Faces));
        var a = Run(full, faces, Faces);
        var b = Run(int8, faces, Faces);
        double meanChange = a.Zip(b).Average(t => Math.Abs(t.First - t.Second));
        TestContext.Out.WriteLine($"mean |p - p_int8| {meanChange:G3}, largest {a.Zip(b).Max(t => Math.Abs(t.First - t.Second)):G3}");
        Assert.That(meanChange, Is.GreaterThan(0).And.LessThan(3e-4), "probabilities move, but little");
        int cells = full.Metadata.HeatmapWidth;
        var pa = new float[Faces * 136];
        var pb = new float[Faces * 136];
        var confidence = new float[Faces * 68];
        for (int f = 0; f < Faces; f++)
        {
            full.Codec().Decode(a.AsSpan(f * full.OutputLength, full.OutputLength), pa.AsSpan(f * 136, 136), confidence.AsSpan(f * 68, 68));
            int8.Codec().Decode(b.AsSpan(f * int8.OutputLength, int8.OutputLength), pb.AsSpan(f * 136, 136), confidence.AsSpan(f * 68, 68));
        }
        // Normalized crop units: 1/56 is one cell; the mean shift must stay under a tenth of one.
        double meanShift = Enumerable.Range(0, Faces * 68).Average(k => Math.Sqrt(Math.Pow(pa[2 * k] - pb[2 * k], 2) + Math.Pow(pa[2 * k + 1] - pb[2 * k + 1], 2)));
        TestContext.Out.WriteLine($"mean point shift {meanShift * cells:G3} cells");
        Assert.That(meanShift, Is.GreaterThan(0).And.LessThan(0.1 / cells));

        Assert.Throws<ArgumentException>(() => ShippedModelWriter.Ship(quantized, "again", files.Folder, int8: calibration), "quantizing twice is refused");
        Assert.Throws<ArgumentException>(() => ShippedModelWriter.Ship(source, "both", files.Folder, halfPrecisionWeights: true, int8: calibration));
    }

    [Test]
    public void The_shipped_int8_model_scores_through_DetectKeypoints_and_its_pipeline_saves()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var files = new TestFiles();
        string quantized = RepositoryFiles.Model("ibug68-fast");
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(quantized));
        // Shipped with --int8-head --int8-float-stem: the two decoder steps mixed before upsampling (30 + 2 convolutions),
        // every convolution on integers but the stem, which reads the float one-channel image.
        Assert.That(proto.MetadataProps.Single(p => p.Key == Int8Quantizer.MetadataKey).Value,
            Does.StartWith("int8 QDQ: 31 of 32 convolutions").And.Contain("ranges from 1098 faces of ibug-fit").And.Contain("2 decoder steps mixed")
                .And.Contain("integer head").And.Contain("float stem"));
        var convs = proto.Graph.Node.Where(n => n.OpType == "Conv").ToList();
        var stem = convs.Single(c => !c.Input[1].EndsWith("/weight/dq"));
        Assert.That(stem.Input[0], Is.EqualTo(KeypointModelMetadata.InputName), "the float convolution is the stem, on the input");
        Assert.That(proto.Graph.Node.Any(n => n.OpType == "Concat"), Is.False, "no concatenation left in the decoder");
        // ML.NET's OnnxTransformer (which scores saved pipelines) reads every initializer's type: int8, uint8 and int32 too.
        LibraryPipeline.AssertScoresAndSaves(quantized, files.Folder, faces: 4, maxNme: 0.06);
    }
}
