using Google.Protobuf;
using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Imaging;
using KeypointML.Tests.Data;
using Onnx;

namespace KeypointML.Tests.Detection;

/// <summary>
/// <see cref="FaceDetectorModel"/> reads BlazeFace in a PyTorch export's layout (NCHW input, one score and one regression
/// output over all anchors) as it reads MediaPipe's: the shipped blazeface-front, rewritten here into that layout (a
/// Transpose in front of its graph, each output kind's layers concatenated), finds the same faces on real photos.
/// </summary>
public class DetectorLayoutTests
{
    [Test]
    public void A_PyTorch_layout_graph_finds_what_the_MediaPipe_layout_finds()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var folder = new TempFolder();
        string source = RepositoryFiles.Model("blazeface-front"), rewritten = Path.Combine(folder.Path, "blazeface-front-nchw.onnx");
        File.WriteAllBytes(rewritten, ToPyTorchLayout(ModelProto.Parser.ParseFrom(File.ReadAllBytes(source))).ToByteArray());

        using var mediaPipe = FaceDetectorModel.Open(source);
        using var pyTorch = FaceDetectorModel.Open(rewritten);
        Assert.That(pyTorch.InputSize, Is.EqualTo(mediaPipe.InputSize));
        int faces = 0;
        foreach (var photo in new[] { "01-1m", "02-2m", "05-1m", "40-6m" }.Select(DataFixtures.ImmJpg))
        {
            using var pixels = ImageFileReader.ReadPixels(photo, static (_, _) => 1);
            var expected = mediaPipe.Detect(pixels.Image);
            var found = pyTorch.Detect(pixels.Image);
            Assert.That(found, Has.Count.EqualTo(expected.Count), photo);
            for (int i = 0; i < found.Count; i++)
            {
                Assert.That(found[i].Score, Is.EqualTo(expected[i].Score).Within(1e-5), photo);
                Assert.That(found[i].Box, Is.EqualTo(expected[i].Box).Within(1e-3), photo);
                Assert.That(found[i].Keypoints, Is.EqualTo(expected[i].Keypoints).Within(1e-3), photo);
            }
            faces += found.Count;
        }
        Assert.That(faces, Is.EqualTo(4), "one face in each IMM photo");
    }

    [Test]
    public void A_graph_whose_input_is_neither_layout_is_refused_naming_the_file_and_shape()
    {
        using var folder = new TempFolder();
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(RepositoryFiles.Model("blazeface-front")));
        var dims = proto.Graph.Input[0].Type.TensorType.Shape.Dim;
        dims[3].DimValue = 4;   // four channels
        string path = Path.Combine(folder.Path, "four-channels.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        var e = Assert.Throws<InvalidDataException>(() => FaceDetectorModel.Open(path).Dispose());
        Assert.That(e!.Message, Does.Contain(path).And.Contain("[1, 128, 128, 4]").And.Contain("NCHW"));
    }

    // MediaPipe's graph behind a Transpose (NCHW in), its per-layer outputs joined into one score and one regression output.
    private static ModelProto ToPyTorchLayout(ModelProto proto)
    {
        var graph = proto.Graph;
        var input = graph.Input.Single(i => graph.Initializer.All(t => t.Name != i.Name));
        var nchw = input.Clone();
        nchw.Name = "x";
        var d = input.Type.TensorType.Shape.Dim;
        nchw.Type.TensorType.Shape.Dim.Clear();
        nchw.Type.TensorType.Shape.Dim.Add([d[0], d[3], d[1], d[2]]);
        var transpose = new NodeProto { Name = "to_nhwc", OpType = "Transpose", Input = { "x" }, Output = { input.Name } };
        transpose.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0, 2, 3, 1 } });
        graph.Node.Insert(0, transpose);
        graph.Input.Remove(input);
        graph.Input.Insert(0, nchw);

        var outputs = graph.Output.ToList();
        graph.Output.Clear();
        foreach (var (name, last) in new[] { ("scores", 1L), ("regressors", 16L) })
        {
            // Finer grid first (more anchors), the order FaceDetectorModel decodes the joined output in.
            var parts = outputs.Where(o => o.Type.TensorType.Shape.Dim[2].DimValue == last)
                .OrderByDescending(o => o.Type.TensorType.Shape.Dim[1].DimValue).ToList();
            var concat = new NodeProto { Name = "join_" + name, OpType = "Concat", Output = { name } };
            concat.Input.Add(parts.Select(p => p.Name));
            concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(concat);
            var joined = parts[0].Clone();
            joined.Name = name;
            joined.Type.TensorType.Shape.Dim[1].DimValue = parts.Sum(p => p.Type.TensorType.Shape.Dim[1].DimValue);
            graph.Output.Add(joined);
        }
        return proto;
    }
}
