using KeypointML.Codecs;
using KeypointML.Training.Heatmaps;
using static TorchSharp.torch;

namespace KeypointML.Tests.Training;

/// <summary>The STAR-style ambiguity term: hand-computed values, its direction-awareness, its window, and its place in the
/// heatmap objective.</summary>
public class AmbiguityLossTests
{
    private const int H = 16, W = 16;
    private const float Low = -50f;

    /// <summary>One map of logits <see cref="Low"/> with the given cells set.</summary>
    private static Tensor Map(params (int Row, int Column, float Logit)[] cells)
    {
        var data = Enumerable.Repeat(Low, H * W).ToArray();
        foreach (var (r, c, v) in cells) data[r * W + c] = v;
        return tensor(data).reshape(1, 1, H, W);
    }

    /// <summary>Normalized coordinates of a point given in cell-centre units (cell i's centre is i).</summary>
    private static Tensor Label(float x, float y) => tensor(new[] { (x + 0.5f) / W, (y + 0.5f) / H }).reshape(1, 2);

    private static double Value(Tensor t) { using (t) return t.item<float>(); }

    [Test]
    public void ASharpPeakOnTheLabel_CostsOnlyTheCellsOwnVariance()
    {
        using var map = Map((7, 9, 0f));
        // Mean exactly on the label; S = I/12, so sqrt(eps) + trace = 0.01 + 1/6.
        Assert.That(Value(AmbiguityLoss.Loss(map, Label(9, 7))), Is.EqualTo(0.01 + 1.0 / 6).Within(1e-4));
    }

    [Test]
    public void TwoEqualCells_GiveTheHandComputedMahalanobisError()
    {
        using var map = Map((5, 5, 0f), (5, 6, 0f));
        // Mean (5.5, 5); sxx = 0.25 + 1/12, syy = 1/12, sxy = 0. A label one cell below the mean: e = (0, 1), e^T S^-1 e = 12.
        double expected = Math.Sqrt(12 + 1e-4) + (0.25 + 2.0 / 12);
        Assert.That(Value(AmbiguityLoss.Loss(map, Label(5.5f, 6))), Is.EqualTo(expected).Within(1e-3));
        // The same distance along the spread (x): e = (1, 0), e^T S^-1 e = 1 / (1/3) = 3.
        double along = Math.Sqrt(3 + 1e-4) + (0.25 + 2.0 / 12);
        Assert.That(Value(AmbiguityLoss.Loss(map, Label(6.5f, 5))), Is.EqualTo(along).Within(1e-3));
    }

    [Test]
    public void AnErrorAlongTheSpread_CostsLessThanTheSameErrorAcrossIt_InAnyDirection()
    {
        // Five equal cells on a diagonal through (8, 8): variance 4 + 1/12 along (1, 1), 1/12 across it; trace 4 + 2/12.
        using var map = Map((6, 6, 0f), (7, 7, 0f), (8, 8, 0f), (9, 9, 0f), (10, 10, 0f));
        double trace = 4 + 2.0 / 12;
        // The same error length, 1.5 sqrt 2 cells, along the spread and across it.
        double along = Value(AmbiguityLoss.Loss(map, Label(9.5f, 9.5f)));
        double across = Value(AmbiguityLoss.Loss(map, Label(9.5f, 6.5f)));
        Assert.That(along, Is.EqualTo(Math.Sqrt(4.5 / (4 + 1.0 / 12) + 1e-4) + trace).Within(1e-3));
        Assert.That(across, Is.EqualTo(Math.Sqrt(4.5 * 12 + 1e-4) + trace).Within(1e-3));
    }

    [Test]
    public void MassOutsideTheWindow_IsIgnored()
    {
        using var alone = Map((8, 8, 0f));
        // A blob 7 cells away, outside the default window of 6 cells around the arg-max (which stays at (8, 8)).
        using var withFar = Map((8, 8, 1f), (1, 1, 0.5f), (1, 2, 0.5f));
        double a = Value(AmbiguityLoss.Loss(alone, Label(8.3f, 8.2f)));
        double b = Value(AmbiguityLoss.Loss(withFar, Label(8.3f, 8.2f)));
        Assert.That(b, Is.EqualTo(a).Within(1e-5));
        // Inside the window the same blob counts.
        using var near = Map((8, 8, 1f), (4, 4, 0.5f), (4, 5, 0.5f));
        Assert.That(Value(AmbiguityLoss.Loss(near, Label(8.3f, 8.2f))), Is.GreaterThan(a + 0.5));
    }

    [Test]
    public void AMapThatHasNotFoundItsPoint_AddsNothing()
    {
        using var map = Map((2, 2, 0f), (2, 3, 0f));
        // The label 7 cells to the right of the arg-max, outside the window: the term is the logistic loss's business.
        Assert.That(Value(AmbiguityLoss.Loss(map, Label(9f, 2f))), Is.EqualTo(0));
        // Two maps in one batch, one found and one not: the found one's value, divided by both maps.
        using var found = Map((7, 9, 0f));
        using var both = cat([found, map], 1);
        using var labels = tensor(new[] { 9.5f / W, 7.5f / H, 9.5f / W, 2.5f / H }).reshape(1, 4);
        Assert.That(Value(AmbiguityLoss.Loss(both, labels)), Is.EqualTo((0.01 + 1.0 / 6) / 2).Within(1e-4));
    }

    [Test]
    public void AGradientStep_MovesTheMapsMeanTowardsTheLabel()
    {
        var data = Enumerable.Repeat(Low, H * W).ToArray();
        data[8 * W + 8] = 4f; data[8 * W + 9] = 2f; data[8 * W + 7] = 2f;
        using var logits = tensor(data).reshape(1, 1, H, W).requires_grad_(true);
        using var label = Label(9.4f, 8f);
        using var loss = AmbiguityLoss.Loss(logits, label);
        loss.backward();
        var grad = logits.grad!;
        // The right-hand neighbour, towards the label, is raised more than the left-hand one (both gain from the spread
        // they add while the error is large against it), so the mean moves right.
        Assert.That(grad[0, 0, 8, 9].item<float>(), Is.LessThan(grad[0, 0, 8, 7].item<float>()));
        using var stepped = logits.detach() - grad * 0.5f;
        using var q = stepped.flatten(2).softmax(2).view(H, W);
        using var columns = arange(W, dtype: ScalarType.Float32).view(1, W);
        Assert.That(q.mul(columns).sum().item<float>(), Is.GreaterThan(8.01f));
    }

    [Test]
    public void TheObjective_AddsItWithItsWeight_AndKeepsItsFingerprintApart()
    {
        var plain = new HeatmapObjective(HeatmapTargetKind.ZeroOne, HeatmapLossKind.Logistic, H, W);
        var withAmbiguity = plain with { AmbiguityWeight = 0.5f };
        using var map = Map((7, 9, 3f), (7, 10, 1f));
        using var label = Label(9.2f, 7.4f);
        double difference = Value(withAmbiguity.Loss(map, label)) - Value(plain.Loss(map, label));
        Assert.That(difference, Is.EqualTo(0.5 * Value(AmbiguityLoss.Loss(map, label))).Within(1e-4));
        Assert.That(withAmbiguity.Fingerprint, Does.EndWith(",ambiguity=0.5"));
        Assert.That(plain.Fingerprint, Does.Not.Contain("ambiguity"), "runs made before the term resume unchanged");
        Assert.Throws<ArgumentException>(() => new HeatmapObjective(HeatmapTargetKind.Gaussian, HeatmapLossKind.Mse, H, W, AmbiguityWeight: 1f).Validate());
    }

    [Test]
    public void MisshapenInput_IsRefusedWithTheShapes()
    {
        using var map = Map((1, 1, 0f));
        var e = Assert.Throws<ArgumentException>(() => AmbiguityLoss.Loss(map, tensor(new[] { 0.5f, 0.5f, 0.5f, 0.5f }).reshape(1, 4)));
        Assert.That(e!.Message, Does.Contain("[1, 2]").And.Contain("[1, 4]"));
    }
}
