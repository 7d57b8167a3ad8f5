using KeypointML.Training.Training;

namespace KeypointML.Tests.Training;

public class LearningRateScheduleTests
{
    [Test]
    public void Constant_KeepsTheRate() =>
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Constant, 5e-3, 7, 3, 17, 10), Is.EqualTo(5e-3));

    [TestCase(1, 1.0)]       // first epoch trains at the full rate
    [TestCase(6, 0.5)]       // half-way through 10 epochs: half the rate
    [TestCase(10, 0.0244717)] // last epoch: (1 + cos(0.9 pi)) / 2
    public void Cosine_AnnealsFromTheRateTowardsZero(int epoch, double fraction) =>
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Cosine, 1e-3, epoch, 0, 17, 10), Is.EqualTo(1e-3 * fraction).Within(1e-9));

    [Test]
    public void Warmup_RisesLinearlyOverItsEpochs_ThenFollowsTheSchedule()
    {
        // 2 warm-up epochs of 4 batches: steps 1..8 get 1/8 .. 8/8 of the rate; then cosine over the remaining 8 epochs.
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Cosine, 8e-3, 1, 0, 4, 10, warmupEpochs: 2), Is.EqualTo(1e-3).Within(1e-12));
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Cosine, 8e-3, 2, 3, 4, 10, warmupEpochs: 2), Is.EqualTo(8e-3).Within(1e-12));
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Cosine, 8e-3, 3, 0, 4, 10, warmupEpochs: 2), Is.EqualTo(8e-3).Within(1e-12));
        Assert.That(LearningRateSchedules.RateAt(LearningRateSchedule.Cosine, 8e-3, 7, 0, 4, 10, warmupEpochs: 2), Is.EqualTo(4e-3).Within(1e-12));
    }

    [Test]
    public void Fingerprint_NamesOnlyNonDefaultSchedules()
    {
        var constant = new TrainerOptions { RunFolder = "x" };
        Assert.That(constant.Fingerprint("Net"), Does.Not.Contain("schedule"), "old checkpoints must still resume");
        Assert.That((constant with { Schedule = LearningRateSchedule.Cosine }).Fingerprint("Net"), Does.Contain(";schedule=cosine"));
        Assert.That((constant with { WarmupEpochs = 1 }).Fingerprint("Net"), Does.Contain(";warmup=1"));
    }

    [Test]
    public void Parse_RejectsUnknownNames() =>
        Assert.That(() => LearningRateSchedules.Parse("step"), Throws.ArgumentException.With.Message.Contains("'step'"));
}
