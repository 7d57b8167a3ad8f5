using KeypointML.Codecs;
using KeypointML.Models;
using KeypointML.Tests.Data;

namespace KeypointML.Tests.Models;

/// <summary>Every shipped model names itself by its file name and describes its output codec.</summary>
public class ShippedModelMetadataTests
{
    private static IEnumerable<string> ShippedModels() => RepositoryFiles.KeypointModelNames().Select(RepositoryFiles.Model);

    [TestCaseSource(nameof(ShippedModels))]
    public void MetadataName_IsTheFileName(string path)
    {
        using var model = KeypointModel.Open(path);
        Assert.That(model.Metadata.Name, Is.EqualTo(Path.GetFileNameWithoutExtension(path)));
    }

    [Test]
    public void FaceDetector_NamesItself_AndIsNoKeypointModel()
    {
        var path = RepositoryFiles.Model("blazeface-front");
        Assert.That(KeypointML.Detection.FaceDetectorModel.IsFaceDetector(path), Is.True);
        var e = Assert.Throws<InvalidDataException>(() => KeypointModel.Open(path));
        Assert.That(e!.Message, Does.Contain("face detector"));
    }

    [Test]
    public void HeatmapModel_RecordsItsSigmoid_AndGivesAHeatmapCodec()
    {
        using var model = KeypointModel.Open(RepositoryFiles.Model("ibug68-heatmap"));
        Assert.That(model.Metadata.OutputActivation, Is.EqualTo(OutputActivation.Sigmoid));
        var codec = model.Codec(HeatmapRefinement.LogParabola);
        // The shipped model is calibrated (keypointml.point_offsets) and has a shape prior (keypointml.shape_prior): its
        // heatmap codec inside the offset correction, inside the prior.
        Assert.That(codec, Is.TypeOf<ShapePriorCodec>());
        Assert.That(((ShapePriorCodec)codec).Prior, Is.EqualTo(model.Metadata.ShapePrior));
        var corrected = ((ShapePriorCodec)codec).Inner;
        Assert.That(corrected, Is.TypeOf<OffsetCorrectedCodec>());
        var heatmaps = ((OffsetCorrectedCodec)corrected).Inner;
        Assert.That(heatmaps, Is.TypeOf<HeatmapCodec>());
        Assert.That(codec.OutputShape, Is.EqualTo(new[] { 68, 64, 64 }));
        Assert.That(((HeatmapCodec)heatmaps).Refinement, Is.EqualTo(HeatmapRefinement.LogParabola));
        using var coordinates = KeypointModel.Open(RepositoryFiles.Model("ibug68-resnet18"));
        Assert.That(coordinates.Codec(), Is.TypeOf<CoordinateCodec>());
        Assert.That(coordinates.Metadata.OutputActivation, Is.EqualTo(OutputActivation.None));
    }
}
