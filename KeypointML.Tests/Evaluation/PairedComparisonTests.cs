using KeypointML.Tooling.Inference;

namespace KeypointML.Tests.Evaluation;

public class PairedComparisonTests
{
    [Test]
    public void MeanDifference_StandardError_AndWins_AreTheHandComputedOnes()
    {
        // Differences 0.5, 0, -0.5, 1: mean 0.25, sample standard deviation sqrt(1.25 / 3), standard error that / 2.
        var c = PairedComparison.Of([1.5, 2, 2.5, 5], [1, 2, 3, 4]);
        double se = Math.Sqrt(1.25 / 3) / 2;
        Assert.Multiple(() =>
        {
            Assert.That(c.Faces, Is.EqualTo(4));
            Assert.That(c.LeftOut, Is.EqualTo(0));
            Assert.That(c.ModelNme, Is.EqualTo(2.75).Within(1e-12));
            Assert.That(c.BaselineNme, Is.EqualTo(2.5).Within(1e-12));
            Assert.That(c.MeanDifference, Is.EqualTo(0.25).Within(1e-12));
            Assert.That(c.StandardError, Is.EqualTo(se).Within(1e-12));
            Assert.That(c.Low95, Is.EqualTo(0.25 - 1.959963984540054 * se).Within(1e-12));
            Assert.That(c.ModelBetter, Is.EqualTo(1), "one face where the model is lower");
            Assert.That(c.BaselineBetter, Is.EqualTo(2), "the tie counts for neither");
            Assert.That(c.Significant, Is.False, "0.25 +- 0.63 includes 0");
        });
    }

    [Test]
    public void ConsistentGain_IsSignificant_AndNonFinitePairsAreLeftOut()
    {
        var c = PairedComparison.Of([0.9, 1.9, 2.8, double.NaN, 3.9], [1, 2, 3, 1, 4]);
        Assert.Multiple(() =>
        {
            Assert.That(c.Faces, Is.EqualTo(4));
            Assert.That(c.LeftOut, Is.EqualTo(1));
            Assert.That(c.MeanDifference, Is.EqualTo(-0.125).Within(1e-12));
            Assert.That(c.ModelBetter, Is.EqualTo(4));
            Assert.That(c.Significant, Is.True, "every face gains 0.1-0.2");
        });
    }

    [Test]
    public void DifferentFaceCounts_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => PairedComparison.Of([1, 2, 3], [1, 2]));
        Assert.That(e!.Message, Does.Contain("3 face NMEs").And.Contain("baseline 2"));
    }
}
