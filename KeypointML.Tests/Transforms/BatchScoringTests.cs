using KeypointML.Tooling.Onnx;
using KeypointML.Data;
using KeypointML.Tooling.Bench;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>ScoreKeypoints' batched Transform against its per-row path (BatchSize = 1: ML.NET's OnnxTransformer).</summary>
public class BatchScoringTests
{
    private const int Rows = 37;   // batches of 16: 16 + 16 + 5, the last one partial

    private sealed class Output
    {
        public string ImagePath { get; set; } = "";
        public float[] Box { get; set; } = [];
        public float[] ImageSize { get; set; } = [];
        public float[] CropGeometry { get; set; } = [];
        public float[] ModelOutput { get; set; } = [];
        public float[] Keypoints { get; set; } = [];
    }

    private static string RepositoryModel(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KeypointML.sln")))
                return Path.Combine(dir.FullName, "models", name + ".onnx");
        throw new FileNotFoundException("repository root (KeypointML.sln) not found above " + AppContext.BaseDirectory);
    }

    private static PathBoxRow[] RealRows()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        var images = Directory.GetFiles(KeypointDataPaths.Imm, "*.jpg").Order(StringComparer.Ordinal).Take(Rows).ToArray();
        Assert.That(images, Has.Length.EqualTo(Rows));
        // Boxes of varying size and place, so every row's tensor differs.
        return images.Select((p, i) => new PathBoxRow { ImagePath = p, Box = [100 + 3 * i, 60 + 2 * i, 400 - 4 * i, 360 - 3 * i] }).ToArray();
    }

    private static KeypointDetectionOptions Options(string model, int batchSize) => new()
    {
        ModelPath = model, BoxColumnName = "Box", BatchSize = batchSize,
    };

    private static void AssertSame(IReadOnlyList<Output> actual, IReadOnlyList<Output> expected, float tolerance = 1e-6f)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].ImagePath, Is.EqualTo(expected[i].ImagePath), $"row {i}: rows come in source order");
            Assert.That(actual[i].Box, Is.EqualTo(expected[i].Box), $"row {i}");
            Assert.That(actual[i].CropGeometry, Is.EqualTo(expected[i].CropGeometry), $"row {i}");
            Assert.That(actual[i].ImageSize, Is.EqualTo(expected[i].ImageSize), $"row {i}");
            Assert.That(actual[i].ModelOutput, Is.EqualTo(expected[i].ModelOutput).Within(tolerance), $"row {i}");
            Assert.That(actual[i].Keypoints, Is.EqualTo(expected[i].Keypoints).Within(tolerance * 640), $"row {i} (pixels of a 640 x 480 image)");
        }
    }

    [Test]
    public void Batched_detection_on_real_images_equals_the_per_row_path_and_survives_save_and_load()
    {
        var rows = RealRows();
        var model = RepositoryModel("imm-face58");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);

        using var perRow = ml.Transforms.DetectKeypoints(Options(model, 1)).Fit(data);
        using var batched = ml.Transforms.DetectKeypoints(Options(model, 16)).Fit(data);
        var expected = ml.Data.CreateEnumerable<Output>(perRow.Transform(data), false).ToList();
        var actual = ml.Data.CreateEnumerable<Output>(batched.Transform(data), false).ToList();
        Assert.That(expected[0].ModelOutput, Has.Length.EqualTo(116));
        Assert.That(batched.Transform(data).Schema.Select(c => (c.Name, c.Type, c.IsHidden)),
            Is.EqualTo(perRow.Transform(data).Schema.Select(c => (c.Name, c.Type, c.IsHidden))));
        AssertSame(actual, expected);

        // Saved: the per-row chain (OnnxTransformer); loaded, it gives the same values.
        using var files = new TestFiles();
        var zip = Path.Combine(files.Folder, "detect.zip");
        ml.Model.Save(batched, data.Schema, zip);
        var fresh = new MLContext(seed: 2).RegisterKeypointComponents();
        var loaded = fresh.Model.Load(zip, out _);
        var reloaded = fresh.Data.CreateEnumerable<Output>(loaded.Transform(fresh.Data.LoadFromEnumerable(rows)), false).ToList();
        AssertSame(reloaded, actual);

        // PredictionEngine on the batched transformer: one row per run, same values.
        using var engine = ml.Model.CreatePredictionEngine<PathBoxRow, Output>(batched);
        Assert.That(engine.Predict(rows[36]).ModelOutput, Is.EqualTo(actual[36].ModelOutput).Within(1e-6f));
    }

    [TestCase(1)]
    [TestCase(5)]
    [TestCase(37)]
    [TestCase(64)]
    public void Any_batch_size_gives_the_per_row_values_on_a_heatmap_model(int batchSize)
    {
        var rows = RealRows();
        using var files = new TestFiles();
        // Echo: the heatmap is the input itself, so every pixel of every row is compared.
        var model = files.Model("echo.onnx", SyntheticOnnxModels.Echo(24, 32));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        using var perRow = ml.Transforms.DetectKeypoints(Options(model, 1)).Fit(data);
        using var batched = ml.Transforms.DetectKeypoints(Options(model, batchSize)).Fit(data);
        AssertSame(ml.Data.CreateEnumerable<Output>(batched.Transform(data), false).ToList(),
            ml.Data.CreateEnumerable<Output>(perRow.Transform(data), false).ToList(), 0f);
    }

    /// <summary>Load, crop and normalize 37 real images once into memory: a source of pixel tensors for ScoreKeypoints.</summary>
    private static (MLContext Ml, IDataView Pixels) Tensors(int rows = Rows)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(RealRows().Take(rows));
        var pixels = ml.Transforms.LoadKeypointImages()
            .Append(ml.Transforms.CropToFaceBox())
            .Append(ml.Transforms.NormalizeGrayscale("Pixels", "CroppedImage", 120, 160))
            .Append(ml.Transforms.DropColumns("Image", "CroppedImage"))
            .Fit(data).Transform(data);
        return (ml, ml.Data.Cache(pixels));
    }

    [Test]
    public void Cursor_serves_ids_positions_and_passed_through_columns_of_its_own_row()
    {
        var (ml, pixels) = Tensors();
        var model = RepositoryModel("imm-face58");
        using var perRow = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 1 }).Fit(pixels);
        using var batched = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 16 }).Fit(pixels);
        var a = batched.Transform(pixels);
        var b = perRow.Transform(pixels);
        Assert.That(a.GetRowCount(), Is.EqualTo(Rows));
        Assert.That(a, Is.InstanceOf<BatchScoredDataView>());

        using var ca = a.GetRowCursor(a.Schema);
        using var cb = b.GetRowCursor(b.Schema);
        var path = ca.GetGetter<ReadOnlyMemory<char>>(a.Schema["ImagePath"]);
        var box = ca.GetGetter<VBuffer<float>>(a.Schema["Box"]);
        var tensor = ca.GetGetter<VBuffer<float>>(a.Schema["Pixels"]);
        var output = ca.GetGetter<VBuffer<float>>(a.Schema["ModelOutput"]);
        var id = ca.GetIdGetter();
        var pathB = cb.GetGetter<ReadOnlyMemory<char>>(b.Schema["ImagePath"]);
        var tensorB = cb.GetGetter<VBuffer<float>>(b.Schema["Pixels"]);
        var outputB = cb.GetGetter<VBuffer<float>>(b.Schema["ModelOutput"]);
        var idB = cb.GetIdGetter();
        Assert.Throws<InvalidOperationException>(() => { VBuffer<float> v = default; output(ref v); }, "no row before MoveNext");

        ReadOnlyMemory<char> p = default, pB = default;
        VBuffer<float> bx = default, t = default, tB = default, o = default, oB = default;
        DataViewRowId i = default, iB = default;
        int n = 0;
        while (ca.MoveNext())
        {
            Assert.That(cb.MoveNext());
            Assert.That(ca.Position, Is.EqualTo(n));
            path(ref p); pathB(ref pB); box(ref bx); tensor(ref t); tensorB(ref tB); output(ref o); outputB(ref oB); id(ref i); idB(ref iB);
            Assert.That(p.ToString(), Is.EqualTo(pB.ToString()), $"row {n}");
            Assert.That(bx.DenseValues().ToArray(), Is.EqualTo(new float[] { 100 + 3 * n, 60 + 2 * n, 400 - 4 * n, 360 - 3 * n }), $"row {n}");
            Assert.That(t.DenseValues().ToArray(), Is.EqualTo(tB.DenseValues().ToArray()), $"row {n}");
            Assert.That(o.DenseValues().ToArray(), Is.EqualTo(oB.DenseValues().ToArray()).Within(1e-6f), $"row {n}");
            Assert.That(i, Is.EqualTo(iB), $"row {n}");
            n++;
        }
        Assert.That(cb.MoveNext(), Is.False);
        Assert.That(n, Is.EqualTo(Rows));

        // A column not asked for is not served; a cursor set covers every row once.
        using var narrow = a.GetRowCursor([a.Schema["ModelOutput"]]);
        Assert.That(narrow.IsColumnActive(a.Schema["ImagePath"]), Is.False);
        Assert.Throws<InvalidOperationException>(() => narrow.GetGetter<ReadOnlyMemory<char>>(a.Schema["ImagePath"]));
        var seen = new List<string>();
        foreach (var c in a.GetRowCursorSet([a.Schema["ImagePath"], a.Schema["ModelOutput"]], 3))
            using (c)
            {
                var g = c.GetGetter<ReadOnlyMemory<char>>(a.Schema["ImagePath"]);
                while (c.MoveNext()) { g(ref p); seen.Add(p.ToString()); }
            }
        Assert.That(seen, Is.EquivalentTo(b.GetColumn<string>("ImagePath")));
    }

    private sealed class PixelsAndOutput
    {
        [VectorType(4)] public float[] ModelOutput { get; set; } = [];
        public float[] Pixels { get; set; } = [];
    }

    [Test]
    public void An_existing_output_column_is_hidden_as_on_the_per_row_path()
    {
        var (ml, pixels) = Tensors(rows: 5);
        // The input already has a "ModelOutput" (float[4]); the scorer's replaces it and the old one stays hidden.
        var withOld = ml.Transforms.CopyColumns("Old", "Box").Append(ml.Transforms.CopyColumns("ModelOutput", "Old")).Fit(pixels).Transform(pixels);
        var model = RepositoryModel("imm-face58");
        using var perRow = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 1 }).Fit(withOld);
        using var batched = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 2 }).Fit(withOld);
        var a = batched.Transform(withOld);
        var b = perRow.Transform(withOld);
        Assert.That(a.Schema.Select(c => (c.Name, c.Type, c.IsHidden)), Is.EqualTo(b.Schema.Select(c => (c.Name, c.Type, c.IsHidden))));
        Assert.That(a.Schema.Count(c => c.Name == "ModelOutput"), Is.EqualTo(2));
        var va = a.GetColumn<float[]>("ModelOutput").ToList();
        var vb = b.GetColumn<float[]>("ModelOutput").ToList();
        Assert.That(va[4], Has.Length.EqualTo(116));
        for (int i = 0; i < 5; i++) Assert.That(va[i], Is.EqualTo(vb[i]).Within(1e-6f));
    }

    [Test]
    public void An_image_column_asked_for_downstream_is_served_by_the_per_row_path()
    {
        var rows = RealRows().Take(5).ToArray();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pixels = ml.Transforms.LoadKeypointImages().Append(ml.Transforms.NormalizeGrayscale("Pixels", "Image", 120, 160)).Fit(data).Transform(data);
        var model = RepositoryModel("imm-face58");
        using var batched = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 4 }).Fit(pixels);
        using var perRow = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 1 }).Fit(pixels);
        var a = batched.Transform(pixels);
        var expected = perRow.Transform(pixels).GetColumn<float[]>("ModelOutput").ToList();

        // Images cannot be copied ahead of the consumer (upstream getters own and dispose them): per-row cursor.
        using var cursor = a.GetRowCursor([a.Schema["Image"], a.Schema["ModelOutput"]]);
        var image = cursor.GetGetter<MLImage>(a.Schema["Image"]);
        var output = cursor.GetGetter<VBuffer<float>>(a.Schema["ModelOutput"]);
        MLImage img = null!;
        VBuffer<float> o = default;
        int n = 0;
        while (cursor.MoveNext())
        {
            image(ref img);
            output(ref o);
            Assert.That(img.Width, Is.EqualTo(640));
            Assert.That(o.DenseValues().ToArray(), Is.EqualTo(expected[n]).Within(1e-6f), $"row {n}");
            n++;
        }
        Assert.That(n, Is.EqualTo(5));
    }

    private sealed class TensorRow
    {
        [VectorType(1, 8, 8)] public float[] Pixels { get; set; } = [];
    }

    [Test]
    public void A_bad_row_inside_a_batch_fails_after_the_good_rows_before_it()
    {
        using var files = new TestFiles();
        var ml = new MLContext(seed: 1);
        // A source that fails at row 6 (of 10) the way a reader does: while the cursor moves onto it.
        IEnumerable<TensorRow> Source()
        {
            for (int i = 0; i < 10; i++)
            {
                if (i == 6) throw new InvalidDataException("row 6: 'bad.png' could not be read");
                yield return new TensorRow { Pixels = Enumerable.Range(0, 64).Select(k => (float)(i + k)).ToArray() };
            }
        }
        var data = ml.Data.LoadFromEnumerable(Source());
        using var scorer = ml.Transforms.ScoreKeypoints(new KeypointScoringOptions
        {
            ModelPath = files.Model("echo.onnx", SyntheticOnnxModels.Echo(8, 8)), BatchSize = 4,
        }).Fit(ml.Data.LoadFromEnumerable(Array.Empty<TensorRow>()));
        var scored = scorer.Transform(data);

        using var cursor = scored.GetRowCursor([scored.Schema["ModelOutput"]]);
        var output = cursor.GetGetter<VBuffer<float>>(scored.Schema["ModelOutput"]);
        VBuffer<float> o = default;
        int served = 0;
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            while (cursor.MoveNext())
            {
                output(ref o);
                Assert.That(o.GetItemOrDefault(0), Is.EqualTo(served), "the echo model returns the row's own tensor");
                served++;
            }
        });
        // Rows 4 and 5 (the good ones of the second batch) come out before the error of row 6.
        Assert.That(served, Is.EqualTo(6));
        Assert.That(e!.Message, Does.Contain("bad.png"));
        Assert.That(cursor.MoveNext(), Is.False, "the cursor ends after the error");
    }

    [Test]
    public void An_unreadable_image_in_a_batch_costs_no_other_row_of_its_batch()
    {
        using var files = new TestFiles();
        var good = files.Png("good.png", 32, 24, (3, 3, 1));
        var bad = files.Bytes("broken.png", "this is not a picture"u8.ToArray());
        var paths = Enumerable.Repeat(good, 6).Append(bad).Concat(Enumerable.Repeat(good, 3)).ToArray();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(paths.Select(p => new ImageRow { ImagePath = p }));
        using var fitted = ml.Transforms.DetectKeypoints(new KeypointDetectionOptions
        {
            ModelPath = files.Model("echo.onnx", SyntheticOnnxModels.Echo(24, 32)), BatchSize = 4,
        }).Fit(data);
        // Row 6 sits in the second batch of 4 (rows 4-7): the other three are scored like every good row.
        var rows = ml.Data.CreateEnumerable<DetectionRow>(fitted.Transform(data), false).ToList();
        Assert.That(rows, Has.Count.EqualTo(10));
        Assert.That(rows[6].Error, Does.Contain("broken.png").And.Contain("could not be read"));
        Assert.That(rows[6].Keypoints.All(float.IsNaN), Is.True);
        foreach (int i in new[] { 0, 1, 2, 3, 4, 5, 7, 8, 9 })
        {
            Assert.That(rows[i].Error, Is.Empty, $"row {i}");
            Assert.That(rows[i].Keypoints, Is.EqualTo(rows[0].Keypoints), $"row {i}");
        }
    }

    [Test]
    public void Batch_size_below_one_is_refused()
    {
        using var files = new TestFiles();
        var model = files.Model("echo.onnx", SyntheticOnnxModels.Echo(8, 8));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Transforms.ScoreKeypoints(new KeypointScoringOptions { ModelPath = model, BatchSize = 0 }));
        Assert.That(e!.Message, Does.Contain("BatchSize"));
    }
}
