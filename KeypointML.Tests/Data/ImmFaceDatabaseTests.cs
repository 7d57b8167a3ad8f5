using KeypointML.Data;

namespace KeypointML.Tests.Data;

public class ImmFaceDatabaseTests
{
    [Test]
    public void Read_All_Gives240FacesOf58PointsOn640x480Images()
    {
        var rows = ImmFaceDatabase.Read(DataFixtures.ImmFolder).ToList();

        Assert.That(rows, Has.Count.EqualTo(240));
        Assert.That(rows.Select(r => r.Person).Distinct().Order(), Is.EqualTo(Enumerable.Range(1, 40)));
        Assert.That(rows.Select(r => r.View).Distinct().Order(), Is.EqualTo(Enumerable.Range(1, 6)));
        foreach (var row in rows)
        {
            Assert.That(row.Keypoints, Has.Length.EqualTo(2 * ImmFaceDatabase.PointCount));
            Assert.That((row.Width, row.Height), Is.EqualTo((640, 480)));
            Assert.That(row.Box, Is.EqualTo(new[] { 0f, 0f, 640f, 480f }));
            Assert.That(Path.IsPathRooted(row.ImagePath) && File.Exists(row.ImagePath), Is.True, row.ImagePath);
            Assert.That(Path.GetFileName(row.ImagePath), Is.EqualTo($"{row.Person:00}-{row.View}{row.Gender}.jpg"));
            Assert.That(row.Keypoints.All(v => v >= 0f && v <= 640f), Is.True);
        }
        // The README: female persons are 08, 12, 14, 15, 22, 30 and 35.
        Assert.That(rows.Where(r => r.Gender == "f").Select(r => r.Person).Distinct().Order(), Is.EqualTo(new[] { 8, 12, 14, 15, 22, 30, 35 }));
    }

    [Test]
    public void Read_Splits_Give192TrainAnd48ValidationByPerson()
    {
        var train = ImmFaceDatabase.Read(DataFixtures.ImmFolder, ImmSplit.Train).ToList();
        var validation = ImmFaceDatabase.Read(DataFixtures.ImmFolder, ImmSplit.Validation).ToList();

        Assert.That(train, Has.Count.EqualTo(192));
        Assert.That(validation, Has.Count.EqualTo(48));
        Assert.That(train.Max(r => r.Person), Is.EqualTo(32));
        Assert.That(validation.Min(r => r.Person), Is.EqualTo(33));
    }

    [Test]
    public void NoseTip_Of01_1m_IsRelativeValueTimesImageSize()
    {
        // 01-1m.asf, point 52: "6 	4 	0.49070060 	0.63137436 	52 	51 	53"
        // x = 0.49070060 * 640 = 314.048384, y = 0.63137436 * 480 = 303.0596928
        var face = ImmFaceDatabase.ReadFile(DataFixtures.ImmAsf("01-1m"));

        Assert.That(face.Keypoints[2 * ImmFaceDatabase.NoseTipIndex], Is.EqualTo(314.048384f).Within(1e-3f));
        Assert.That(face.Keypoints[2 * ImmFaceDatabase.NoseTipIndex + 1], Is.EqualTo(303.0596928f).Within(1e-3f));
        Assert.That((face.Person, face.View, face.Gender), Is.EqualTo((1, 1, "m")));
    }

    [Test]
    public void FileWithThreeUserColumns_ReadsTheSameFields()
    {
        // 14-5f.asf, point 0: "0 	4 	0.43828124 	0.67437065 	0 	0 	1	0.00	0.00	0.00"
        var face = ImmFaceDatabase.ReadFile(DataFixtures.ImmAsf("14-5f"));

        Assert.That(face.Keypoints[0], Is.EqualTo(0.43828124f * 640f).Within(1e-3f));
        Assert.That(face.Keypoints[1], Is.EqualTo(0.67437065f * 480f).Within(1e-3f));
        Assert.That((face.Person, face.View, face.Gender), Is.EqualTo((14, 5, "f")));
    }
}
