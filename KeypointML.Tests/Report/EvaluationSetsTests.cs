using KeypointML.Models;
using KeypointML.Tooling.Inference;

namespace KeypointML.Tests.Report;

public class EvaluationSetsTests
{
    private static KeypointModelMetadata Model(int points, string trainingData) => new()
    {
        InputHeight = 8, InputWidth = 8, KeypointCount = points, OutputKind = KeypointOutputKind.Coordinates, TrainingData = trainingData,
    };

    [TestCase(1, "imm-train: 192 faces, point(s) 52", ExpectedResult = "imm-val")]
    [TestCase(58, "imm-train: 192 faces", ExpectedResult = "imm-val")]
    [TestCase(68, "ibug-train: 1098 faces", ExpectedResult = "ibug-test")]
    [TestCase(68, "synthetic (hand-built test model)", ExpectedResult = "ibug-test")]
    [TestCase(58, "", ExpectedResult = "imm-val")]
    [TestCase(5, "somewhere else", ExpectedResult = null)]
    public string? ChosenFromTrainingDataThenPointCount(int points, string trainingData) =>
        EvaluationSets.For(Model(points, trainingData));

    [Test]
    public void RecordedSubset_MapsToTheDatasetPoints_OnlyInItsOwnScheme()
    {
        var nose = Model(1, "imm-train: 192 faces, point(s) 52");
        Assert.That(LearnedKeypoints.TryResolve(nose, 58, out var indices), Is.True);
        Assert.That(indices, Is.EqualTo(new[] { 52 }));
        Assert.That(LearnedKeypoints.TryResolve(nose, 68, out _), Is.False, "point 52 of IMM is not point 52 of iBUG");
        Assert.That(LearnedKeypoints.TryResolve(Model(68, "ibug-train"), 68, out var all), Is.True);
        Assert.That(all, Is.Null, "all points, in order");
        Assert.That(LearnedKeypoints.Select([0, 1, 2, 3, 4, 5], [2, 0]), Is.EqualTo(new float[] { 4, 5, 0, 1 }));
    }
}
