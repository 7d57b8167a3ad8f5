using KeypointML.Training.Training;

namespace KeypointML.Tests.Training;

public class LearningRateScheduleTests
{
    [Test]
    public void Constant_KeepsTheRate() =>
        Assert.That(LearningRateSchedules.RateFor(LearningRateSchedule.Constant, 5e-3, 7, 10), Is.EqualTo(5e-3));

    [TestCase(1, 1.0)]       // first epoch trains at the full rate
    [TestCase(6, 0.5)]       // half-way through 10 epochs: half the rate
    [TestCase(10, 0.0244717)] // last epoch: (1 + cos(0.9 pi)) / 2
    public void Cosine_AnnealsFromTheRateTowardsZero(int epoch, double fraction) =>
        Assert.That(LearningRateSchedules.RateFor(LearningRateSchedule.Cosine, 1e-3, epoch, 10), Is.EqualTo(1e-3 * fraction).Within(1e-9));

    [Test]
    public void Fingerprint_NamesOnlyNonDefaultSchedules()
    {
        var constant = new TrainerOptions { RunFolder = "x" };
        Assert.That(constant.Fingerprint("Net"), Does.Not.Contain("schedule"), "old checkpoints must still resume");
        Assert.That((constant with { Schedule = LearningRateSchedule.Cosine }).Fingerprint("Net"), Does.Contain(";schedule=cosine"));
    }

    [Test]
    public void Parse_RejectsUnknownNames() =>
        Assert.That(() => LearningRateSchedules.Parse("step"), Throws.ArgumentException.With.Message.Contains("'step'"));
}
