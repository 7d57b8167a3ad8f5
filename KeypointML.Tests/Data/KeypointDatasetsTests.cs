using KeypointML.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace KeypointML.Tests.Data;

public class KeypointDatasetsTests
{
    private readonly MLContext _ml = new(seed: 1);

    [TestCase(KeypointDatasets.ImmTrain, 192, 58)]
    [TestCase(KeypointDatasets.ImmValidation, 48, 58)]
    [TestCase(KeypointDatasets.ImmAll, 240, 58)]
    [TestCase(KeypointDatasets.IbugTrain, 1220, 68)]
    [TestCase(KeypointDatasets.IbugTest, 337, 68)]
    [TestCase(KeypointDatasets.IbugValidation, 122, 68)]
    [TestCase(KeypointDatasets.IbugFit, 1098, 68)]
    public void NamedSpec_GivesRowsAndDataViewOfTheSameSize(string spec, int rows, int keypoints)
    {
        var dataset = KeypointDatasets.Load(_ml, spec);

        Assert.That(dataset.KeypointCount, Is.EqualTo(keypoints));
        Assert.That(dataset.Rows.Count(), Is.EqualTo(rows));
        Assert.That(CountRows(dataset.Data), Is.EqualTo(rows));
    }

    [Test]
    public void IbugFit_and_IbugVal_split_the_training_xml_by_image_without_overlap()
    {
        var fit = KeypointDatasets.Load(_ml, KeypointDatasets.IbugFit).Rows.Select(r => r.ImagePath).ToList();
        var val = KeypointDatasets.Load(_ml, KeypointDatasets.IbugValidation).Rows.Select(r => r.ImagePath).ToList();
        var all = KeypointDatasets.Load(_ml, KeypointDatasets.IbugTrain).Rows.Select(r => r.ImagePath).ToList();
        Assert.That(fit.Intersect(val), Is.Empty, "calibration (ibug-fit) never sees a selection face (ibug-val)");
        Assert.That(fit.Concat(val), Is.EquivalentTo(all));
    }

    [Test]
    public void ImmDataView_HasTheColumnsWithFixedVectorSizes()
    {
        var schema = KeypointDatasets.Load(_ml, KeypointDatasets.ImmAll).Data.Schema;

        Assert.That(schema.Select(c => c.Name), Is.EqualTo(new[] { "ImagePath", "Width", "Height", "Box", "Label", "Person", "View", "Gender" }));
        Assert.That(schema["ImagePath"].Type, Is.EqualTo(TextDataViewType.Instance));
        Assert.That(schema["Width"].Type, Is.EqualTo(NumberDataViewType.Int32));
        Assert.That(schema["Person"].Type, Is.EqualTo(NumberDataViewType.Int32));
        Assert.That(schema["Gender"].Type, Is.EqualTo(TextDataViewType.Instance));
        Assert.That(schema["Box"].Type, Is.EqualTo(new VectorDataViewType(NumberDataViewType.Single, 4)));
        Assert.That(schema["Label"].Type, Is.EqualTo(new VectorDataViewType(NumberDataViewType.Single, 116)));
    }

    [Test]
    public void IbugDataView_HasKeypointsOfSize136AndTheXmlValues()
    {
        var data = KeypointDatasets.Load(_ml, KeypointDatasets.IbugTrain).Data;

        Assert.That(data.Schema.Select(c => c.Name), Is.EqualTo(new[] { "ImagePath", "Width", "Height", "Box", "Label" }));
        Assert.That(data.Schema["Label"].Type, Is.EqualTo(new VectorDataViewType(NumberDataViewType.Single, 136)));
        var firstBox = data.GetColumn<float[]>("Box").First();
        var firstPoints = data.GetColumn<float[]>("Label").First();
        Assert.That(firstBox, Is.EqualTo(new[] { 113f, 114f, 213f, 213f }));
        Assert.That((firstPoints[0], firstPoints[1]), Is.EqualTo((111f, 155f)));
    }

    [Test]
    public void DataView_EnumeratesRowsWhoseImageCannotBeDecoded()
    {
        // A JPEG cut right after its scan header: the header (and so the size) reads, the pixels do not decode.
        using var temp = new TempFolder();
        temp.Copy(DataFixtures.ImmAsf("01-1m"));
        var bytes = File.ReadAllBytes(DataFixtures.ImmJpg("01-1m"));
        int startOfScan = FindStartOfScan(bytes);
        var jpg = Path.Combine(temp.Path, "01-1m.jpg");
        File.WriteAllBytes(jpg, bytes[..(startOfScan + 14)]);
        Assert.That(DecodeResult(jpg), Is.Not.EqualTo(SKCodecResult.Success), "the test image must not be decodable");

        var dataset = KeypointDatasets.Load(_ml, temp.Path);
        using var cursor = dataset.Data.GetRowCursor(dataset.Data.Schema);
        var keypoints = cursor.GetGetter<VBuffer<float>>(dataset.Data.Schema["Label"]);
        var width = cursor.GetGetter<int>(dataset.Data.Schema["Width"]);
        Assert.That(cursor.MoveNext(), Is.True);
        VBuffer<float> points = default;
        int w = 0;
        keypoints(ref points);
        width(ref w);
        Assert.That(points.Length, Is.EqualTo(116));
        Assert.That(w, Is.EqualTo(640));
        Assert.That(cursor.MoveNext(), Is.False);
    }

    [Test]
    public void DataView_ReadsNothingUntilEnumerated()
    {
        // Rows are produced lazily: a file that breaks after the view is built is only reported when a cursor reaches it.
        using var temp = new TempFolder();
        var asf = temp.Copy(DataFixtures.ImmAsf("01-1m"));
        temp.Copy(DataFixtures.ImmJpg("01-1m"));
        var dataset = KeypointDatasets.Load(_ml, temp.Path);
        File.WriteAllText(asf, "# nothing but a comment\n");

        Assert.Throws<KeypointDataException>(() => CountRows(dataset.Data));
    }

    [Test]
    public void FolderWithAsfFiles_IsReadAsImm()
    {
        var dataset = KeypointDatasets.Load(_ml, DataFixtures.ImmFolder);

        Assert.That(dataset.KeypointCount, Is.EqualTo(58));
        Assert.That(dataset.Rows.First(), Is.InstanceOf<ImmFaceSample>());
        Assert.That(CountRows(dataset.Data), Is.EqualTo(240));
    }

    [Test]
    public void XmlPath_IsReadAsDlibXml()
    {
        var dataset = KeypointDatasets.Load(_ml, DataFixtures.IbugTestXml);

        Assert.That(dataset.KeypointCount, Is.EqualTo(68));
        Assert.That(dataset.Rows.Count(), Is.EqualTo(337));
    }

    [Test]
    public void FolderOfImages_GivesUnlabelledWholeImageRowsWithoutKeypointsColumn()
    {
        using var temp = new TempFolder();
        temp.Copy(DataFixtures.ImmJpg("01-1m"), "b.jpg");
        temp.Copy(DataFixtures.ImmJpg("02-1m"), "a.JPG");
        File.WriteAllText(Path.Combine(temp.Path, "notes.txt"), "not an image");

        var dataset = KeypointDatasets.Load(_ml, temp.Path);
        var rows = dataset.Rows.ToList();

        Assert.That(dataset.HasKeypoints, Is.False);
        Assert.That(rows.Select(r => Path.GetFileName(r.ImagePath)), Is.EqualTo(new[] { "a.JPG", "b.jpg" }));
        Assert.That(rows.All(r => r.Keypoints.Length == 0 && r.Box.SequenceEqual(new[] { 0f, 0f, 640f, 480f })), Is.True);
        Assert.That(dataset.Data.Schema.Select(c => c.Name), Is.EqualTo(new[] { "ImagePath", "Width", "Height", "Box" }));
        Assert.That(CountRows(dataset.Data), Is.EqualTo(2));
    }

    [Test]
    public void BoxCsv_GivesUnlabelledRowsWithTheBoxes()
    {
        using var temp = new TempFolder();
        temp.Copy(DataFixtures.ImmJpg("01-1m"), "face.jpg");
        var csv = temp.WriteLines("boxes.csv", ["image,left,top,width,height", "face.jpg,100,50,200,250.5", "", "face.jpg, 0, 0, 640, 480"]);

        var dataset = KeypointDatasets.Load(_ml, csv);
        var rows = dataset.Rows.ToList();

        Assert.That(dataset.HasKeypoints, Is.False);
        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.That(rows[0].Box, Is.EqualTo(new[] { 100f, 50f, 200f, 250.5f }));
        Assert.That(rows[0].ImagePath, Is.EqualTo(Path.Combine(temp.Path, "face.jpg")));
        Assert.That((rows[0].Width, rows[0].Height), Is.EqualTo((640, 480)));
        Assert.That(CountRows(dataset.Data), Is.EqualTo(2));
    }

    [Test]
    public void UnknownSpec_NamesItAndTheKnownNames()
    {
        var e = Assert.Throws<KeypointDataException>(() => KeypointDatasets.Load(_ml, "imm-tran"));
        Assert.That(e!.Message, Does.Contain("imm-tran").And.Contain("imm-train"));
    }

    private static int CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor(data.Schema);
        int count = 0;
        while (cursor.MoveNext()) count++;
        return count;
    }

    private static int FindStartOfScan(byte[] jpeg)
    {
        for (int i = 0; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return i;
        throw new InvalidDataException("no start-of-scan marker");
    }

    private static SKCodecResult DecodeResult(string path)
    {
        using var codec = SKCodec.Create(path);
        if (codec is null) return SKCodecResult.InvalidInput;
        using var bitmap = new SKBitmap(codec.Info);
        return codec.GetPixels(codec.Info, bitmap.GetPixels());
    }
}
