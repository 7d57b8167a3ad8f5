using KeypointML.Codecs;
using KeypointML.Models;
using KeypointML.Tests.Transforms;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Models;

/// <summary>A heatmap model can carry the decoding chosen on its validation faces; callers that say nothing get it.</summary>
public class ModelRefinementTests
{
    [Test]
    public void A_model_shipped_with_its_decoding_is_decoded_so_unless_the_caller_says_otherwise()
    {
        using var files = new TestFiles();
        // One map with a peak between two cells: each refinement puts the point elsewhere.
        var maps = new float[8 * 8];
        maps[3 * 8 + 3] = 0.9f; maps[3 * 8 + 4] = 0.6f; maps[3 * 8 + 2] = 0.1f; maps[2 * 8 + 3] = 0.2f; maps[4 * 8 + 3] = 0.2f;
        var plain = files.Model("maps.onnx", SyntheticOnnxModels.FixedHeatmaps(16, 16, maps, 1, 8, 8));
        var shipped = ShippedModelWriter.Ship(plain, "maps-lp", files.Folder, HeatmapRefinement.LogParabola);

        using (var model = KeypointModel.Open(plain)) Assert.That(model.DefaultRefinement, Is.EqualTo(KeypointDefaults.Refinement));
        using var chosen = KeypointModel.Open(shipped);
        Assert.That(chosen.Metadata.Refinement, Is.EqualTo(HeatmapRefinement.LogParabola));
        Assert.That(chosen.DefaultRefinement, Is.EqualTo(HeatmapRefinement.LogParabola));
        Assert.That(((HeatmapCodec)chosen.Codec()).Refinement, Is.EqualTo(HeatmapRefinement.LogParabola));
        Assert.That(((HeatmapCodec)chosen.Codec(HeatmapRefinement.None)).Refinement, Is.EqualTo(HeatmapRefinement.None));

        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable([new ImageRow { ImagePath = files.Png("any.png", 16, 16) }]);
        float[] Points(HeatmapRefinement? r) => ml.Data.CreateEnumerable<DetectionRow>(ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = shipped, Refinement = r,
        }).Fit(data).Transform(data), false).Single().Keypoints;
        Assert.That(Points(null), Is.EqualTo(Points(HeatmapRefinement.LogParabola)));
        Assert.That(Points(null), Is.Not.EqualTo(Points(HeatmapRefinement.Dark)));

        var props = new Dictionary<string, string>(chosen.Metadata.ToProperties()) { [KeypointModelMetadata.KeyPrefix + "refinement"] = "sharpest" };
        var e = Assert.Throws<InvalidDataException>(() => KeypointModelMetadata.FromProperties(props, "x.onnx"));
        Assert.That(e!.Message, Does.Contain("'sharpest'").And.Contain("log-parabola"));
    }
}
