using KeypointML.Data;
using KeypointML.Prediction;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Prediction;

public class KeypointPredictorTests
{
    [TestCase("ibug68-fast", KeypointDatasets.IbugTest, true)]        // faces by their boxes, heatmap codec, shape prior
    [TestCase("imm-face58", KeypointDatasets.ImmValidation, false)]   // whole images, decoded at a quarter (reduced decoding)
    public void Each_face_gets_the_points_DetectKeypoints_gives_its_row_bit_for_bit(string model, string dataset, bool withBox)
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var ml = new MLContext(0);
        var data = ml.Data.TakeRows(KeypointDatasets.Load(ml, dataset).Data, 6);
        var options = new KeypointDetectionOptions { ModelPath = RepositoryFiles.Model(model), BoxColumnName = withBox ? KeypointColumns.Box : null };
        using var fitted = ml.Transforms.DetectKeypoints(options).Fit(data);
        var scored = fitted.Transform(data);
        var expected = LibraryPipeline.Column(scored, KeypointColumns.Keypoints);
        var paths = scored.GetColumn<string>(KeypointColumns.ImagePath).ToList();
        var boxes = LibraryPipeline.Column(scored, KeypointColumns.Box);
        using var predictor = new KeypointPredictor(ml, new KeypointDetectionOptions { ModelPath = RepositoryFiles.Model(model) });
        for (int i = 0; i < paths.Count; i++)
        {
            var p = predictor.Predict(paths[i], withBox ? boxes[i] : null);
            Assert.That(p.Succeeded, Is.True, p.Error);
            Assert.That(p.Keypoints, Is.EqualTo(expected[i]), $"row {i}");
        }
    }

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
