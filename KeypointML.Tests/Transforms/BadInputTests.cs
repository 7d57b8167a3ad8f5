using KeypointML.Tooling.Onnx;
using KeypointML.Tooling.Bench;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

public class BadInputTests
{
    [Test]
    public void An_unreadable_image_in_a_batch_is_marked_with_its_reason_and_under_Fail_stops_naming_row_and_file()
    {
        using var files = new TestFiles();
        var good = files.Png("good.png", 16, 16, (3, 3, 1));
        var bad = files.Bytes("broken.png", "this is not a picture"u8.ToArray());
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { good, bad, good }.Select(p => new ImageRow { ImagePath = p }));
        var model = files.Model("echo.onnx", SyntheticOnnxModels.Echo(16, 16));

        var rows = ml.Data.CreateEnumerable<DetectionRow>(ml.Transforms.DetectKeypoints(model).Fit(data).Transform(data), false).ToList();
        Assert.That(rows.Select(r => r.Error.Length > 0), Is.EqualTo(new[] { false, true, false }));
        Assert.That(rows[1].Error, Does.Contain("broken.png").And.Contain("could not be read"));
        Assert.That(rows[1].Keypoints.All(float.IsNaN), Is.True);
        Assert.That(rows[0].Keypoints.All(float.IsFinite) && rows[2].Keypoints.All(float.IsFinite), Is.True);

        var failing = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions { ModelPath = model, OnBadRow = BadRowPolicy.Fail }).Fit(data).Transform(data);
        var e = Assert.Throws<KeypointRowException>(() => ml.Data.CreateEnumerable<DetectionRow>(failing, false).ToList());
        Assert.That((e!.RowIndex, e.ImagePath), Is.EqualTo((1L, bad)));
        Assert.That(e.Message, Does.Contain("row 1").And.Contain("broken.png").And.Contain("could not be read"));

        var missing = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = Path.Combine(files.Folder, "nowhere.png") }]);
        var e2 = Assert.Catch(() => ml.Transforms.LoadKeypointImages().Fit(missing).Transform(missing)
            .GetColumn<float[]>("ImageSize").ToList());
        Assert.That(e2!.ToString(), Does.Contain("nowhere.png"));
    }

    [Test]
    public void A_file_that_is_not_an_ONNX_model_is_named()
    {
        using var files = new TestFiles();
        var notOnnx = files.Bytes("model.onnx", "definitely not protobuf"u8.ToArray());
        var ml = new MLContext(seed: 1);
        var e = Assert.Throws<InvalidDataException>(() => ml.Transforms.ScoreKeypoints(notOnnx));
        Assert.That(e!.Message, Does.Contain("model.onnx").And.Contain("not a readable ONNX model"));
        Assert.Throws<FileNotFoundException>(() => ml.Transforms.ScoreKeypoints(Path.Combine(files.Folder, "absent.onnx")));
    }

    [Test]
    public void A_model_whose_graph_contradicts_its_metadata_is_rejected()
    {
        using var files = new TestFiles();
        // Graph input 16 x 16 but metadata from a 32 x 32 model: splice the 32 x 32 metadata onto a 16 x 16 graph.
        var graph16 = Onnx.ModelProto.Parser.ParseFrom(SyntheticOnnxModels.Echo(16, 16));
        var meta32 = Onnx.ModelProto.Parser.ParseFrom(SyntheticOnnxModels.Echo(32, 32)).MetadataProps;
        graph16.MetadataProps.Clear();
        graph16.MetadataProps.Add(meta32);
        var path = files.Bytes("liar.onnx", Google.Protobuf.MessageExtensions.ToByteArray(graph16));
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Transforms.ScoreKeypoints(path));
        Assert.That(e!.Message, Does.Contain("liar.onnx").And.Contain("input 'input' has shape [-1, 1, 16, 16]").And.Contain("[N, 1, 32, 32]"));
    }

    [Test]
    public void A_tensor_of_the_wrong_size_for_the_model_names_column_and_sizes()
    {
        using var files = new TestFiles();
        var model = files.Model("echo32.onnx", SyntheticOnnxModels.Echo(32, 32));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Uniform(40, 40, 9), Box = [0, 0, 4, 4] }]);
        var pixels = ml.Transforms.NormalizeGrayscale("Pixels", "Image", 16, 16).Fit(data).Transform(data);
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.ScoreKeypoints(model).Fit(pixels));
        Assert.That(e!.Message, Does.Contain("'Pixels'").And.Contain("1024").And.Contain("[1, 32, 32]"));
    }

    [Test]
    public void A_missing_path_column_is_named()
    {
        using var files = new TestFiles();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new ImageBoxRow { Image = TestImages.Uniform(4, 4, 9), Box = [0, 0, 4, 4] }]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.DetectKeypoints(files.Model("echo.onnx", SyntheticOnnxModels.Echo(8, 8))).Fit(data));
        Assert.That(e!.Message, Does.Contain("'ImagePath'").And.Contain("not found"));
    }
}
