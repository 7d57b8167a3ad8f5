using KeypointML.Tooling.Onnx;
using KeypointML.Codecs;
using KeypointML.Tooling.Bench;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Transforms;

public class KeypointDetectionTests
{
    [Test]
    public void Echo_heatmap_model_returns_the_bright_pixel_exactly_whole_image_and_box_crop()
    {
        using var files = new TestFiles();
        var image = files.Png("spot.png", 64, 48, (37, 21, 1));
        var ml = new MLContext(seed: 1);

        // Whole image, model input = image size: heatmap = image, argmax = the pixel.
        var whole = ml.Transforms.DetectKeypoints(files.Model("echo-48x64.onnx", SyntheticOnnxModels.Echo(48, 64)));
        var data = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = image }]);
        var row = ml.Data.CreateEnumerable<DetectionRow>(whole.Fit(data).Transform(data), false).Single();
        Assert.That(row.Keypoints, Is.EqualTo(new[] { 37f, 21f }));
        Assert.That(row.Confidence, Is.EqualTo(new[] { 1f }).Within(1e-6f), "one white cell (255/255 - 0.5) among black ones (-0.5, no mass): no spread");
        Assert.That(row.ImageSize, Is.EqualTo(new[] { 64f, 48f }));

        // A 16 x 16 box crop (model input 16 x 16): the crop's offset must be undone.
        var boxed = ml.Transforms.DetectKeypoints(files.Model("echo-16.onnx", SyntheticOnnxModels.Echo(16, 16)), boxColumnName: "Box");
        var boxData = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = image, Box = [30, 15, 16, 16] }]);
        var boxRow = ml.Data.CreateEnumerable<DetectionRow>(boxed.Fit(boxData).Transform(boxData), false).Single();
        Assert.That(boxRow.CropGeometry, Is.EqualTo(new[] { 30f, 15f, 16f, 16f }));
        Assert.That(boxRow.Keypoints, Is.EqualTo(new[] { 37f, 21f }));
    }

    [TestCase(48)]
    [TestCase(40)]
    [TestCase(56)]
    [TestCase(64)]
    public void Centroid_model_through_crop_and_resize_returns_the_spot_centre_within_0_05_px(int box)
    {
        using var files = new TestFiles();
        // A Gaussian blob (sigma 3 px) centred at (120.5, 70.5): its intensity centroid is exactly there.
        var image = files.GaussianPng("blob.png", 200, 160, 120.5f, 70.5f, 3f);
        var ml = new MLContext(seed: 1);
        var model = files.Model("centroid.onnx", SyntheticOnnxModels.Centroid(32, 32));
        var data = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = image, Box = [120.5f - box / 2f, 70.5f - box / 2f, box, box] }]);
        var fitted = ml.Transforms.DetectKeypoints(model, boxColumnName: "Box").Fit(data);
        var row = ml.Data.CreateEnumerable<CoordinateRow>(fitted.Transform(data), false).Single();
        Assert.That(row.CropGeometry[2], Is.EqualTo(box), $"crop {box} x {box} resized to 32 x 32");
        Assert.That(row.Keypoints[0], Is.EqualTo(120.5f).Within(0.05f));
        Assert.That(row.Keypoints[1], Is.EqualTo(70.5f).Within(0.05f));
    }

    [Test]
    public void Fixed_heatmaps_decode_to_known_pixels_with_PredictionEngine()
    {
        using var files = new TestFiles();
        var image = files.Png("blank.png", 80, 60);
        // K = 2 maps of 4 x 5: peaks at (j=1, i=3) and (j=3, i=0).
        var maps = new float[40];
        maps[1 * 5 + 3] = 2f;
        maps[20 + 3 * 5 + 0] = 3f;
        var model = files.Model("fixed.onnx", SyntheticOnnxModels.FixedHeatmaps(8, 8, maps, 2, 4, 5));
        var ml = new MLContext(seed: 1);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<ImageRow>());
        var fitted = ml.Transforms.DetectKeypoints(model).Fit(empty);
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, DetectionRow>(fitted);
        var result = engine.Predict(new ImageRow { ImagePath = image });
        // Cell (j, i) -> normalized ((i+0.5)/w, (j+0.5)/h) -> pixels n * size - 0.5.
        Assert.That(result.Keypoints, Is.EqualTo(new[] { 3.5f / 5 * 80 - 0.5f, 1.5f / 4 * 60 - 0.5f, 0.5f / 5 * 80 - 0.5f, 3.5f / 4 * 60 - 0.5f }).Within(1e-4f));
        Assert.That(result.Confidence, Is.EqualTo(new[] { 1f, 1f }), "each map's mass lies on its point");
    }

    [Test]
    public void Saved_and_loaded_detection_pipeline_gives_identical_outputs()
    {
        using var files = new TestFiles();
        var images = new[] { files.Png("a.png", 120, 90, (50, 40, 5)), files.Png("b.png", 120, 90, (70, 20, 4)) };
        var rows = images.Select(p => new ImageRow { ImagePath = p, Box = [30, 10, 70, 60] }).ToArray();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = files.Model("conv.onnx", SyntheticOnnxModels.ConvRegressor(64, 64, 5)), BoxColumnName = "Box", Fill = 17,
        });
        var fitted = pipeline.Fit(data);
        var before = ml.Data.CreateEnumerable<CoordinateRow>(fitted.Transform(data), false).ToList();

        var zip = Path.Combine(files.Folder, "pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        File.Delete(Path.Combine(files.Folder, "conv.onnx"));   // the zip must carry the model itself
        var fresh = new MLContext(seed: 5).RegisterKeypointComponents();
        var loaded = fresh.Model.Load(zip, out var inputSchema);
        var after = fresh.Data.CreateEnumerable<CoordinateRow>(loaded.Transform(fresh.Data.LoadFromEnumerable(rows)), false).ToList();

        Assert.That(inputSchema.GetColumnOrNull("ImagePath"), Is.Not.Null);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.That(after[i].Keypoints, Has.Length.EqualTo(10));
            Assert.That(after[i].Keypoints, Is.EqualTo(before[i].Keypoints), $"row {i}");
            Assert.That(after[i].CropGeometry, Is.EqualTo(before[i].CropGeometry), $"row {i}");
        }
        using var engine = fresh.Model.CreatePredictionEngine<ImageRow, CoordinateRow>(loaded);
        Assert.That(engine.Predict(rows[1]).Keypoints, Is.EqualTo(before[1].Keypoints));
    }

    [Test]
    public void Thousands_of_rows_stream_through_a_lazy_cursor()
    {
        using var files = new TestFiles();
        var image = files.Png("spot.png", 32, 24, (9, 5, 1));
        var model = files.Model("echo.onnx", SyntheticOnnxModels.Echo(24, 32));
        const int rows = 3000;
        int produced = 0;
        IEnumerable<ImageRow> Source()
        {
            for (int i = 0; i < rows; i++) { produced++; yield return new ImageRow { ImagePath = image }; }
        }
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Source());
        var output = ml.Transforms.DetectKeypoints(model).Fit(data).Transform(data);

        int seen = 0;
        foreach (var row in ml.Data.CreateEnumerable<DetectionRow>(output, reuseRowObject: true))
        {
            seen++;
            // ML.NET's parallel cursors read ahead a bounded batch (about 1000 rows), never the whole source.
            if (seen == 10) Assert.That(produced, Is.LessThan(rows / 2), "rows are produced as the cursor asks for them");
            if (row.Keypoints[0] != 9f || row.Keypoints[1] != 5f) Assert.Fail($"row {seen}: {string.Join(", ", row.Keypoints)}");
        }
        Assert.That(seen, Is.EqualTo(rows));
    }
}
