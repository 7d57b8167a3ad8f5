using KeypointML.Analysis;
using KeypointML.Data;
using KeypointML.Transforms;
using KeypointML.Tests.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Analysis;

/// <summary>ExtractFaceChips in an ML.NET pipeline: the Chip column is FaceChips.Extract of the same points and image,
/// feeds ExtractPixels, and the pipeline saves and loads.</summary>
public class ExtractFaceChipsTests
{
    [Test]
    public void The_chip_column_is_the_aligned_chip_of_each_face_and_survives_save_and_load()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, KeypointDatasets.IbugTest).Data, 3);
        var pipeline = ml.Transforms.DetectKeypoints(RepositoryFiles.Model("ibug68-fast"), boxColumnName: KeypointColumns.Box)
            .Append(ml.Transforms.ExtractFaceChips())
            .Append(ml.Transforms.ExtractPixels("ChipPixels", "Chip"));
        using var fitted = pipeline.Fit(data);
        var scored = fitted.Transform(data);
        var points = LibraryPipeline.Column(scored, KeypointColumns.Keypoints);
        var paths = scored.GetColumn<string>(KeypointColumns.ImagePath).ToList();
        var chips = scored.GetColumn<MLImage>("Chip").ToList();
        var pixels = scored.GetColumn<float[]>("ChipPixels").ToList();
        Assert.That(chips, Has.Count.EqualTo(3));
        for (int i = 0; i < chips.Count; i++)
        {
            using var image = KeypointML.Imaging.ImageFileReader.ReadPixels(paths[i], static (_, _) => 1);
            var expected = FaceChips.Extract(image.Image, points[i]);
            Assert.That((chips[i].Width, chips[i].Height), Is.EqualTo((112, 112)));
            Assert.That(chips[i].Pixels.ToArray(), Is.EqualTo(expected.Pixels), $"row {i}: the chip of FaceChips.Extract");
            Assert.That(pixels[i], Has.Length.EqualTo(3 * 112 * 112), "ExtractPixels reads the chip");
        }
        Assert.That(LibraryPipeline.ColumnAfterSaveAndLoad<float[]>(ml, fitted, data, "ChipPixels"), Is.EqualTo(pixels));
    }

    [Test]
    public void A_face_without_points_gets_no_chip_and_no_error()
    {
        var output = new FaceChipExtractingEstimator.ChipRow();
        FaceChipExtractingEstimator.ChipFactory.Mapping(new() { Keypoints = [.. Enumerable.Repeat(float.NaN, 136)], ImagePath = "missing.jpg" }, output);
        Assert.That(output.Chip, Is.Null);
    }
}
