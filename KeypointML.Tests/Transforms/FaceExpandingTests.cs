using KeypointML.Detection;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>ExpandFaces: one row per face, its box mapped by the fitted map of the detector that found it (told by the
/// detector's points per face) unless the caller gives one; a detector it does not know is refused naming the row.</summary>
public class FaceExpandingTests
{
    private sealed class FacesRow
    {
        public string ImagePath { get; set; } = "";
        public float[] FaceBoxes { get; set; } = [];
        public float[] FaceScores { get; set; } = [];
        public float[] FaceKeypoints { get; set; } = [];
    }

    private static readonly float[] BoxA = [10, 20, 40, 50], BoxB = [100, 30, 20, 24];

    private static FacesRow Row(string path, int pointsPerFace, params float[][] boxes) => new()
    {
        ImagePath = path,
        FaceBoxes = [.. boxes.SelectMany(b => b)],
        FaceScores = [.. boxes.Select((_, i) => 0.9f - 0.1f * i)],
        FaceKeypoints = [.. boxes.SelectMany(b => Enumerable.Range(0, 2 * pointsPerFace).Select(j => b[j % 2] + j))],
    };

    private static List<(string Path, int Index, float[] Box)> Expand(FaceExpandingOptions options, params FacesRow[] rows)
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(rows);
        var expanded = ml.Transforms.ExpandFaces(options).Fit(data).Transform(data);
        var paths = expanded.GetColumn<string>(KeypointColumns.ImagePath).ToList();
        var indices = expanded.GetColumn<int>(KeypointColumns.FaceIndex).ToList();
        var boxes = expanded.GetColumn<float[]>(KeypointColumns.Box).ToList();
        return [.. paths.Select((p, i) => (p, indices[i], boxes[i]))];
    }

    [Test]
    public void Faces_found_by_yunet_get_yunets_box_map_and_blazeface_faces_blazefaces()
    {
        var rows = Expand(new FaceExpandingOptions(), Row("a.jpg", 5, BoxA, BoxB), Row("none.jpg", 5), Row("b.jpg", 6, BoxB));
        Assert.That(rows.Select(r => (r.Path, r.Index)), Is.EqualTo(new[] { ("a.jpg", 0), ("a.jpg", 1), ("b.jpg", 0) }), "one row per face; an image without a face gives none");
        Assert.That(rows[0].Box, Is.EqualTo(FaceBoxMap.YuNetTo300W.Apply(BoxA)));
        Assert.That(rows[1].Box, Is.EqualTo(FaceBoxMap.YuNetTo300W.Apply(BoxB)));
        Assert.That(rows[2].Box, Is.EqualTo(FaceBoxMap.BlazeFaceFrontTo300W.Apply(BoxB)));
        Assert.That(rows[0].Box, Is.Not.EqualTo(FaceBoxMap.BlazeFaceFrontTo300W.Apply(BoxA)), "the two maps differ");
    }

    [Test]
    public void A_given_box_map_is_used_whatever_the_detector()
    {
        var rows = Expand(new FaceExpandingOptions { BoxMap = FaceBoxMap.Identity }, Row("a.jpg", 5, BoxA), Row("b.jpg", 4, BoxB));
        Assert.That(rows[0].Box, Is.EqualTo(BoxA).Within(1e-4f));
        Assert.That(rows[1].Box, Is.EqualTo(BoxB).Within(1e-4f));
    }

    [Test]
    public void Faces_of_an_unknown_detector_are_refused_naming_the_row()
    {
        var e = Assert.Throws<InvalidDataException>(() => Expand(new FaceExpandingOptions(), Row("a.jpg", 5, BoxA), Row("b.jpg", 4, BoxB)));
        Assert.That(e!.Message, Does.Contain("ExpandFaces").And.Contain("source row 1").And.Contain("4 detector points").And.Contain("BoxMap"));
    }
}
