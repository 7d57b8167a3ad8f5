using KeypointML.Data;

namespace KeypointML.Tests.Data;

public class IbugXmlReaderTests
{
    [Test]
    public void Read_TrainAndTest_Give1220And337FacesOf68Points()
    {
        var train = IbugXmlReader.Read(DataFixtures.IbugTrainXml).ToList();
        var test = IbugXmlReader.Read(DataFixtures.IbugTestXml).ToList();

        Assert.That(train, Has.Count.EqualTo(1220));
        Assert.That(test, Has.Count.EqualTo(337));
        foreach (var row in train.Concat(test))
        {
            Assert.That(row.Keypoints, Has.Length.EqualTo(136));
            Assert.That(row.Box, Has.Length.EqualTo(4));
            Assert.That(row.Width, Is.InRange(192, 448));
            Assert.That(row.Height, Is.EqualTo(row.Width), "the crops are square");
            Assert.That(File.Exists(row.ImagePath), Is.True, row.ImagePath);
        }
    }

    [Test]
    public void FirstTrainingEntry_HasTheBoxAndPointsOfTheXml()
    {
        // <image file='afw/1051618982_1.jpg'> <box top='114' left='113' width='213' height='213'>
        //   <part name='00' x='111' y='155'/> ... <part name='64' x='261' y='255'/>
        var first = IbugXmlReader.Read(DataFixtures.IbugTrainXml).First();

        Assert.That(first.ImagePath, Is.EqualTo(Path.Combine(KeypointDataPaths.Ibug, DataFixtures.FirstIbugImage)));
        Assert.That(first.Box, Is.EqualTo(new[] { 113f, 114f, 213f, 213f }));
        Assert.That((first.Keypoints[0], first.Keypoints[1]), Is.EqualTo((111f, 155f)));
        Assert.That((first.Keypoints[2 * 64], first.Keypoints[2 * 64 + 1]), Is.EqualTo((261f, 255f)));
    }

    [Test]
    public void PtsFile_MatchesItsXmlEntryWithinRounding()
    {
        // .pts: "112.368101 155.927730" for point 0 (1-based) -> 111.368101, 154.927730; the XML rounds to 111, 155.
        var first = IbugXmlReader.Read(DataFixtures.IbugTrainXml).First();
        var pts = PtsReader.Read(Path.ChangeExtension(first.ImagePath, ".pts"), IbugXmlReader.PointCount);

        Assert.That(pts[0], Is.EqualTo(111.368101f).Within(1e-4f));
        Assert.That(pts[1], Is.EqualTo(154.927730f).Within(1e-4f));
        for (int i = 0; i < pts.Length; i++)
            Assert.That(Math.Abs(first.Keypoints[i] - pts[i]), Is.LessThanOrEqualTo(0.5f + 1e-4f), $"value {i}");
    }

    [Test]
    public void EveryPtsFile_MatchesItsXmlEntryWithinRounding()
    {
        int compared = 0;
        foreach (var row in IbugXmlReader.Read(DataFixtures.IbugTrainXml).Concat(IbugXmlReader.Read(DataFixtures.IbugTestXml)))
        {
            var pts = PtsReader.Read(Path.ChangeExtension(row.ImagePath, ".pts"), IbugXmlReader.PointCount);
            var worst = pts.Select((v, i) => Math.Abs(row.Keypoints[i] - v)).Max();
            Assert.That(worst, Is.LessThanOrEqualTo(0.5f + 1e-4f), row.ImagePath);
            compared++;
        }
        Assert.That(compared, Is.EqualTo(1557));
    }
}
