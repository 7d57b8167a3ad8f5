using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Geometry;
using KeypointML.Tests.Data;
using Microsoft.ML;

namespace KeypointML.Tests.Detection;

/// <summary>The simple API: one call per image (path, stream, bytes, async), typed faces with named landmarks, safe from
/// many threads.</summary>
public class FaceLandmarkerApiTests
{
    [Test]
    public void Path_stream_bytes_and_async_give_the_same_named_landmarks_as_the_flat_vectors()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var image = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.IbugTest).Rows.First().ImagePath;
        using var landmarker = FaceLandmarker.Open(RepositoryFiles.Model("ibug68-resnet18"), RepositoryFiles.Model("blazeface-front"));

        var faces = landmarker.Detect(image);
        Assert.That(faces, Has.Count.EqualTo(1));
        var face = faces[0];
        var flat = landmarker.Find(image).Single();
        Assert.That(face.Landmarks, Has.Count.EqualTo(68));
        Assert.That(face.Landmarks.Select(l => l.Name), Is.EqualTo(LandmarkNames.Ibug68));
        Assert.That((face["nose_tip"].X, face["nose_tip"].Y), Is.EqualTo((flat.Keypoints[60], flat.Keypoints[61])));
        Assert.That(face.Box.ToArray(), Is.EqualTo(flat.DetectorBox));
        Assert.That(face.Score, Is.EqualTo(flat.Score));
        Assert.That(() => face["third_eye"], Throws.TypeOf<KeyNotFoundException>());

        var bytes = File.ReadAllBytes(image);
        Assert.That(landmarker.Detect(bytes.AsSpan()).Single().Landmarks, Is.EqualTo(face.Landmarks));
        using (var stream = File.OpenRead(image))
            Assert.That(landmarker.Detect(stream).Single().Landmarks, Is.EqualTo(face.Landmarks));
        using (var stream = File.OpenRead(image))
            Assert.That(landmarker.DetectAsync(stream).GetAwaiter().GetResult().Single().Landmarks, Is.EqualTo(face.Landmarks));
        Assert.That(landmarker.DetectAsync(image).GetAwaiter().GetResult().Single().Landmarks, Is.EqualTo(face.Landmarks));
    }

    [Test]
    public void Eight_threads_find_what_one_thread_finds()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var images = KeypointDatasets.Load(new MLContext(0), KeypointDatasets.IbugTest).Rows.Select(r => r.ImagePath).Distinct().Take(6).ToList();
        using var landmarker = FaceLandmarker.Open(RepositoryFiles.Model("ibug68-resnet18"), RepositoryFiles.Model("blazeface-front"));
        var sequential = images.Select(i => landmarker.Detect(i)).ToList();
        var calls = Enumerable.Range(0, 24).ToList();
        var parallel = new IReadOnlyList<Face>[calls.Count];
        Parallel.ForEach(calls, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = landmarker.Detect(images[i % images.Count]));
        for (int i = 0; i < calls.Count; i++)
        {
            var expected = sequential[i % images.Count];
            Assert.That(parallel[i], Has.Count.EqualTo(expected.Count));
            for (int f = 0; f < expected.Count; f++) Assert.That(parallel[i][f].Landmarks, Is.EqualTo(expected[f].Landmarks), $"call {i}");
        }
        Assert.That(landmarker.Detect(images).Select(f => f.Count), Is.EqualTo(sequential.Select(f => f.Count)), "the batch call finds the same faces");
    }

    [Test]
    public void The_58_point_scheme_has_its_names()
    {
        Assert.That(LandmarkNames.Imm58, Has.Count.EqualTo(58));
        Assert.That(LandmarkNames.Ibug68.Distinct().Count(), Is.EqualTo(68));
        Assert.That(LandmarkNames.Imm58.Distinct().Count(), Is.EqualTo(58));
        Assert.That(LandmarkNames.Ibug68[30], Is.EqualTo("nose_tip"));
        Assert.That(LandmarkNames.Ibug68[36], Is.EqualTo("right_eye_outer"));
        Assert.That(LandmarkNames.Ibug68[45], Is.EqualTo("left_eye_outer"));
        Assert.That(LandmarkNames.For(1), Is.EqualTo(new[] { "nose_tip" }));
    }
}
