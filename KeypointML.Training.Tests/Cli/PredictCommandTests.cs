using System.Globalization;
using KeypointML.Data;
using KeypointML.Tests.Data;
using Microsoft.ML;
using SkiaSharp;

namespace KeypointML.Tests.Cli;

public class PredictCommandTests
{
    private TempFolder _folder = null!;
    private string _face58 = "", _nose = "", _ibug68 = "";

    [OneTimeSetUp]
    public void MakeModels()
    {
        _folder = new TempFolder();
        _face58 = CliTestModels.Face58(_folder.Path);
        _nose = CliTestModels.Nose(_folder.Path);
        _ibug68 = CliTestModels.Ibug68(_folder.Path);
    }

    [OneTimeTearDown]
    public void Clean() => _folder.Dispose();

    private static (string[] Header, List<(string Image, float[] Values)> Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var rows = lines.Skip(1).Select(l => l.Split(','))
            .Select(f => (f[0], f.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())).ToList();
        return (lines[0].Split(','), rows);
    }

    private string Out(string name) => Path.Combine(_folder.Path, name);

    [Test]
    public void ImmVal_OneRowPerFace_FileNames_PipelineCoordinates()
    {
        var csv = Out("imm-val.csv");
        var run = CliRun.Of("predict", "--model", _face58, "--data", "imm-val", "--out", csv);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());

        var (header, rows) = ReadCsv(csv);
        Assert.That(header, Is.EqualTo(new[] { "image" }.Concat(Enumerable.Range(0, 58).SelectMany(i => new[] { $"x{i}", $"y{i}" }))));
        Assert.That(rows, Has.Count.EqualTo(48));
        Assert.That(rows[0].Image, Is.EqualTo("33-1m.jpg"));

        var ml = new MLContext(seed: 0);
        var expected = LibraryPipeline.Column(LibraryPipeline.Score(ml, _face58, KeypointDatasets.Load(ml, "imm-val").Data), "Keypoints");
        Assert.That(rows.Select(r => r.Values), Is.EqualTo(expected), "exactly the pipeline's floats (written round-trip)");
        Assert.That(Directory.GetFiles(_folder.Path, "*.tmp"), Is.Empty, "no temporary file left");
    }

    [Test]
    public void IbugTest_AllFaces_NamedAsInTheXml_UsingTheBoxes()
    {
        var csv = Out("ibug-test.csv");
        var run = CliRun.Of("predict", "--model", _ibug68, "--data", "ibug-test", "--out", csv);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());

        var (header, rows) = ReadCsv(csv);
        Assert.That(header, Has.Length.EqualTo(1 + 136));
        Assert.That(rows, Has.Count.EqualTo(337));
        Assert.That(rows[0].Image, Is.EqualTo("helen/testset/296814969_3.jpg"), "the path as the XML writes it");

        var ml = new MLContext(seed: 0);
        var expected = LibraryPipeline.Column(LibraryPipeline.Score(ml, _ibug68, KeypointDatasets.Load(ml, "ibug-test").Data), "Keypoints");
        Assert.That(rows.Select(r => r.Values), Is.EqualTo(expected));
    }

    [Test]
    public void FolderOfImages_EachWholeImageIsTheFace()
    {
        var images = Directory.CreateDirectory(Out("plain-images")).FullName;
        foreach (var name in new[] { "05-2m", "12-1f" }) File.Copy(DataFixtures.ImmJpg(name), Path.Combine(images, name + ".jpg"));
        var csv = Out("folder.csv");
        var run = CliRun.Of("predict", "--model", _nose, "--data", images, "--out", csv);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());

        var (_, rows) = ReadCsv(csv);
        Assert.That(rows.Select(r => r.Image), Is.EqualTo(new[] { "05-2m.jpg", "12-1f.jpg" }));
        var ml = new MLContext(seed: 0);
        var paths = ml.Data.LoadFromEnumerable(rows.Select(r => new PathRow { ImagePath = Path.Combine(images, r.Image) }));
        var wholeImage = LibraryPipeline.Column(LibraryPipeline.Score(ml, _nose, paths, box: null), "Keypoints");
        Assert.That(rows.Select(r => r.Values), Is.EqualTo(wholeImage), "the same as DetectKeypoints without a box");
    }

    [Test]
    public void BoxCsv_UsesItsBoxes_AndOverlaysDrawThePrediction()
    {
        var boxes = Out("boxes.csv");
        File.Copy(DataFixtures.ImmJpg("40-3m"), Out("40-3m.jpg"));
        File.WriteAllLines(boxes, ["image,left,top,width,height", "40-3m.jpg,200,100,240,300", "40-3m.jpg,0,0,320,240"]);
        var csv = Out("boxes-predictions.csv");
        var overlays = Out("overlays");
        var run = CliRun.Of("predict", "--model", _face58, "--data", boxes, "--out", csv, "--overlays", overlays);
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());

        var (_, rows) = ReadCsv(csv);
        Assert.That(rows.Select(r => r.Image), Is.EqualTo(new[] { "40-3m.jpg", "40-3m.jpg" }));
        var ml = new MLContext(seed: 0);
        var expected = LibraryPipeline.Column(LibraryPipeline.Score(ml, _face58, KeypointDatasets.Load(ml, boxes).Data), "Keypoints");
        Assert.That(rows.Select(r => r.Values), Is.EqualTo(expected));
        Assert.That(rows[0].Values, Is.Not.EqualTo(rows[1].Values), "two boxes, two different crops");

        var pictures = Directory.GetFiles(overlays);
        Assert.That(pictures.Select(Path.GetFileName), Is.EqualTo(new[] { "40-3m.png" }), "one picture per image, both faces on it");
        using var picture = SKBitmap.Decode(pictures[0]);
        Assert.That((picture.Width, picture.Height), Is.EqualTo((640, 480)));
        var p = picture.GetPixel((int)MathF.Round(rows[0].Values[0]), (int)MathF.Round(rows[0].Values[1]));
        Assert.That((p.Red, p.Green, p.Blue), Is.EqualTo(((byte)255, (byte)0, (byte)0)), "a red dot on the first predicted point");
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    [Test]
    public void Faces_OnAFolderWithSubfolders_OneRowPerFace_RelativePaths_NoRowWithoutAFace()
    {
        var photos = Path.Combine(_folder.Path, "photos");
        Directory.CreateDirectory(Path.Combine(photos, "people"));
        var imm = KeypointDatasets.Load(new MLContext(0), "imm-val").Rows.Take(2).ToList();
        File.Copy(imm[0].ImagePath, Path.Combine(photos, "people", "a.jpg"));
        File.Copy(imm[1].ImagePath, Path.Combine(photos, "b.jpg"));
        using (var blank = new SKBitmap(64, 64))
        {
            using (var canvas = new SKCanvas(blank)) canvas.Clear(SKColors.DarkGreen);
            using var data = SKImage.FromBitmap(blank).Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(photos, "empty.png"), data.ToArray());
        }
        var csv = Out("faces.csv");
        var model = Path.Combine(RepositoryFiles.Root(), "models", "ibug68-heatmap.onnx");
        var detector = Path.Combine(RepositoryFiles.Root(), "models", "blazeface-front.onnx");
        var run = CliRun.Of("predict", "--faces", "--model", model, "--detector", detector, "--data", photos, "--out", csv, "--overlays", Out("face-overlays"));
        Assert.That(run.Code, Is.EqualTo(0), run.ToString());
        var lines = File.ReadAllLines(csv);
        Assert.That(lines[0], Does.StartWith("image,x0,y0").And.EndWith(",x67,y67,face,score,left,top,width,height,confidence,yaw,pitch,roll,eye_right,eye_left,mouth"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "b.jpg", "people/a.jpg" }), "one row per face, paths relative to the folder, the empty image has none");
        Assert.That(Directory.GetFiles(Out("face-overlays")), Has.Length.EqualTo(2));
    }
}
