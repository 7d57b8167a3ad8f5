using KeypointML.Data;
using KeypointML.Prediction;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Prediction;

public class KeypointPredictorTests
{
    [Test]
    public void Eight_threads_give_the_points_of_one_thread_bit_for_bit()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var faces = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.ImmAll).Rows.ToList();
        // 1000 calls over the 240 faces: the whole image on even rounds, its box given explicitly on odd rounds (the same
        // crop for this whole-image model).
        var calls = Enumerable.Range(0, 1000).Select(i => (faces[i % faces.Count].ImagePath, Box: i / faces.Count % 2 == 0 ? null : faces[i % faces.Count].Box)).ToList();
        using var predictor = new KeypointPredictor(new MLContext(seed: 0), new KeypointDetectionOptions { ModelPath = RepositoryFiles.Model("imm-nose") });

        var sequential = calls.Select(c => predictor.Predict(c.ImagePath, c.Box)).ToList();
        var parallel = new KeypointPrediction[calls.Count];
        Parallel.For(0, calls.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = predictor.Predict(calls[i].ImagePath, calls[i].Box));

        Assert.That(sequential.All(p => p.Succeeded && p.Keypoints.All(float.IsFinite)), Is.True);
        for (int i = 0; i < calls.Count; i++)
            Assert.That(parallel[i].Keypoints, Is.EqualTo(sequential[i].Keypoints), $"call {i}");
        Assert.That(sequential[faces.Count].Keypoints, Is.EqualTo(sequential[0].Keypoints), "the whole image and its own box are the same crop");
    }

    [Test]
    public void A_bad_file_is_marked_or_under_Fail_throws_the_librarys_exception()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"keypointml-missing-{Guid.NewGuid():N}.jpg");
        using var marking = new KeypointPredictor(new MLContext(seed: 0), new KeypointDetectionOptions { ModelPath = RepositoryFiles.Model("imm-nose") });
        var p = marking.Predict(missing);
        Assert.That(p.Succeeded, Is.False);
        Assert.That(p.Error, Does.Contain("not found").And.Contain(Path.GetFileName(missing)));
        Assert.That(p.Keypoints.All(float.IsNaN), Is.True);

        using var failing = new KeypointPredictor(new MLContext(seed: 0), new KeypointDetectionOptions { ModelPath = RepositoryFiles.Model("imm-nose"), OnBadRow = BadRowPolicy.Fail });
        var e = Assert.Throws<KeypointRowException>(() => failing.Predict(missing));
        Assert.That(e!.ImagePath, Is.EqualTo(missing));
    }
}
