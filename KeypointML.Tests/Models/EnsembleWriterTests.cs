using KeypointML.Data;
using KeypointML.Evaluation;
using KeypointML.Geometry;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tests.Transforms;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;
using Microsoft.ML;

namespace KeypointML.Tests.Models;

/// <summary>An ensemble is one ONNX model whose maps are the mean of its members' (and, with flip, of their mirror passes').</summary>
public class EnsembleWriterTests
{
    private static float[] Input(KeypointModel model, int rows, int seed)
    {
        var rng = new SeededRandom((ulong)seed);
        var x = new float[rows * model.InputLength];
        int w = model.Metadata.InputWidth;
        // A smooth pattern with noise (not mirror-symmetric), in the model's grey range.
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.3 * Math.Sin(i % w / 17.0 + i / w / 23.0) + 0.1 * rng.Uniform(-1, 1));
        return x;
    }

    private static float[] Run(KeypointModel model, float[] input, int rows)
    {
        var output = new float[rows * model.OutputLength];
        model.Run(input, rows, output);
        return output;
    }

    [Test]
    public void The_ensembles_maps_are_the_mean_of_its_members_and_of_their_mirror_passes()
    {
        using var files = new TestFiles();
        // A small heatmap model with float32 weights (the shipped small one is int8), fast to run; the writer treats every
        // heatmap model alike.
        string single = SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvHeatmaps(128, 128, 68), Path.Combine(files.Folder, "single.onnx"));
        using var model = KeypointModel.Open(single);
        const int rows = 3;
        var x = Input(model, rows, 3);
        var a = Run(model, x, rows);

        // The same network twice: the mean is the network's own output.
        var twice = EnsembleWriter.Write([single, single], Path.Combine(files.Folder, "twice.onnx"));
        using (var ensemble = KeypointModel.Open(twice))
        {
            Assert.That(ensemble.Metadata.Members, Is.EqualTo(2));
            Assert.That(ensemble.Metadata.FlipInGraph, Is.False);
            Assert.That(ensemble.Metadata.Offsets.IsNone, Is.True, "an ensemble is calibrated on its own");
            Assert.That(ensemble.OutputLength, Is.EqualTo(model.OutputLength));
            Assert.That(Run(ensemble, x, rows), Is.EqualTo(a).Within(1e-6f));
        }

        // With flip: the mean of the face's maps and the mirror image's maps, swapped left/right and mirrored back.
        var flipped = EnsembleWriter.Write([single], Path.Combine(files.Folder, "flip.onnx"), flip: true);
        int h = model.Metadata.InputHeight, w = model.Metadata.InputWidth, k = model.Metadata.KeypointCount;
        int mh = model.Metadata.HeatmapHeight, mw = model.Metadata.HeatmapWidth, n = model.InputLength, m = model.OutputLength;
        var mirrored = new float[x.Length];
        for (int r = 0; r < rows; r++)
            for (int y = 0; y < h; y++)
                for (int i = 0; i < w; i++) mirrored[r * n + y * w + i] = x[r * n + y * w + (w - 1 - i)];
        var b = Run(model, mirrored, rows);
        var expected = new float[a.Length];
        var mirror = MirrorMaps.Ibug68;
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < k; p++)
                for (int y = 0; y < mh; y++)
                    for (int i = 0; i < mw; i++)
                    {
                        int at = r * m + (p * mh + y) * mw + i;
                        expected[at] = (a[at] + b[r * m + (mirror[p] * mh + y) * mw + (mw - 1 - i)]) / 2;
                    }
        using (var ensemble = KeypointModel.Open(flipped))
        {
            Assert.That(ensemble.Metadata.FlipInGraph, Is.True);
            Assert.That((double)new FileInfo(flipped).Length, Is.EqualTo((double)new FileInfo(single).Length).Within(2048), "the mirror pass shares the weights (the flip adds nodes and the 68-entry point map, no weights)");
            Assert.That(Run(ensemble, x, rows), Is.EqualTo(expected).Within(1e-5f));
            var e = Assert.Throws<ArgumentException>(() => ensemble.Codec(null, flipAveraging: true));
            Assert.That(e!.Message, Does.Contain("mirror image inside its graph"));
        }

        // float16 weights: half the file, maps within 1e-3 of the float32 ones, not equal to them.
        var half = EnsembleWriter.Write([single, single], Path.Combine(files.Folder, "half.onnx"), halfPrecisionWeights: true);
        // (Weights under 1024 values, BatchNorm's and biases, stay float32.)
        Assert.That(new FileInfo(half).Length, Is.LessThan(0.6 * 2 * new FileInfo(single).Length).And.GreaterThan(0.45 * 2 * new FileInfo(single).Length));
        using (var ensemble = KeypointModel.Open(half))
        {
            var c = Run(ensemble, x, rows);
            Assert.That(c, Is.EqualTo(a).Within(1e-3f));
            Assert.That(c.Zip(a).Max(t => Math.Abs(t.First - t.Second)), Is.GreaterThan(0f), "the weights were rounded");
        }
    }

    [Test]
    public void Members_of_different_sizes_are_resized_to_the_largest_in_the_graph()
    {
        using var files = new TestFiles();
        // A 128 network (32x32 maps) and a 96 one (24x24 maps): the ensemble takes 128 inputs and gives 32x32 maps; the 96
        // network sees the input resized to 96 and its maps are resized to 32, both bilinear with half-pixel centres.
        string large = SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvHeatmaps(128, 128, 68, seed: 1), Path.Combine(files.Folder, "large.onnx"));
        string small = SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvHeatmaps(96, 96, 68, seed: 2), Path.Combine(files.Folder, "small.onnx"));
        using var largeModel = KeypointModel.Open(large);
        using var smallModel = KeypointModel.Open(small);
        const int rows = 2;
        var x = Input(largeModel, rows, 5);
        var a = Run(largeModel, x, rows);
        var bUp = ResizeBilinear(Run(smallModel, ResizeBilinear(x, rows, 128, 96), rows), rows * 68, 24, 32);
        var expected = a.Zip(bUp, (p, q) => (p + q) / 2).ToArray();

        // The small member first: the largest still sets the ensemble's size.
        var mixed = EnsembleWriter.Write([small, large], Path.Combine(files.Folder, "mixed.onnx"));
        using var ensemble = KeypointModel.Open(mixed);
        Assert.That((ensemble.Metadata.InputWidth, ensemble.Metadata.HeatmapWidth, ensemble.Metadata.Members), Is.EqualTo((128, 32, 2)));
        var c = Run(ensemble, x, rows);
        Assert.That(c, Is.EqualTo(expected).Within(2e-5f));
        Assert.That(c, Is.Not.EqualTo(a).Within(1e-3f), "the small member counts");

        // Ensembles as members: two flip-in-graph ensembles give the mean of their maps, flip kept, members summed; a
        // flip-in-graph member with --flip, or mixed with a plain one, is refused by name.
        string flipLarge = EnsembleWriter.Write([large], Path.Combine(files.Folder, "flip-large.onnx"), flip: true);
        string flipSmall = EnsembleWriter.Write([small, small], Path.Combine(files.Folder, "flip-small.onnx"), flip: true);
        using var fl = KeypointModel.Open(flipLarge);
        using var fs = KeypointModel.Open(flipSmall);
        var expectedNested = Run(fl, x, rows).Zip(ResizeBilinear(Run(fs, ResizeBilinear(x, rows, 128, 96), rows), rows * 68, 24, 32), (p, q) => (p + q) / 2).ToArray();
        var nested = EnsembleWriter.Write([flipSmall, flipLarge], Path.Combine(files.Folder, "nested.onnx"));
        using (var n = KeypointModel.Open(nested))
        {
            Assert.That((n.Metadata.Members, n.Metadata.FlipInGraph), Is.EqualTo((3, true)));
            Assert.That(Run(n, x, rows), Is.EqualTo(expectedNested).Within(2e-5f));
        }
        var e = Assert.Throws<ArgumentException>(() => EnsembleWriter.Write([flipLarge], Path.Combine(files.Folder, "x.onnx"), flip: true));
        Assert.That(e!.Message, Does.Contain("flip-large.onnx").And.Contain("leave out --flip"));
        e = Assert.Throws<ArgumentException>(() => EnsembleWriter.Write([flipLarge, small], Path.Combine(files.Folder, "x.onnx")));
        Assert.That(e!.Message, Does.Contain("flip-large.onnx").And.Contain("all with the flip or all without"));
    }

    // Square planes [planes, from, from] -> [planes, to, to]: bilinear, sampling point (o + 0.5) * from / to - 0.5, clamped
    // to the plane (ONNX Resize, linear, half_pixel); the reference the graph's Resize is checked against.
    private static float[] ResizeBilinear(float[] source, int planes, int from, int to)
    {
        var result = new float[planes * to * to];
        double scale = (double)from / to;
        (int, int, float) Taps(int o)
        {
            double at = Math.Clamp((o + 0.5) * scale - 0.5, 0, from - 1);
            int i0 = (int)Math.Floor(at);
            return (i0, Math.Min(i0 + 1, from - 1), (float)(at - i0));
        }
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < to; y++)
            {
                var (y0, y1, ty) = Taps(y);
                for (int x = 0; x < to; x++)
                {
                    var (x0, x1, tx) = Taps(x);
                    float V(int yy, int xx) => source[(p * from + yy) * from + xx];
                    float top = V(y0, x0) + tx * (V(y0, x1) - V(y0, x0)), bottom = V(y1, x0) + tx * (V(y1, x1) - V(y1, x0));
                    result[(p * to + y) * to + x] = top + ty * (bottom - top);
                }
            }
        return result;
    }

    [Test]
    public void A_flip_in_graph_model_scores_through_DetectKeypoints_and_its_pipeline_saves()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        using var files = new TestFiles();
        var flipped = EnsembleWriter.Write([RepositoryFiles.Model("ibug68-heatmap")], Path.Combine(files.Folder, "flip.onnx"), flip: true);
        // The flip is in the graph, so, unlike FlipAveraging, the pipeline saves and the loaded one gives the same points.
        LibraryPipeline.AssertScoresAndSaves(flipped, files.Folder, faces: 3, maxNme: 0.05);
    }

    [Test]
    public void Members_that_do_not_fit_together_are_named()
    {
        using var files = new TestFiles();
        var e = Assert.Throws<ArgumentException>(() => EnsembleWriter.Write([RepositoryFiles.Model("ibug68-heatmap"), RepositoryFiles.Model("ibug68-resnet18")], Path.Combine(files.Folder, "x.onnx")));
        Assert.That(e!.Message, Does.Contain("ibug68-resnet18.onnx").And.Contain("coordinates"));
        string other = SyntheticOnnxModels.Save(SyntheticOnnxModels.ConvHeatmaps(128, 128, 58), Path.Combine(files.Folder, "points58.onnx"));
        e = Assert.Throws<ArgumentException>(() => EnsembleWriter.Write([RepositoryFiles.Model("ibug68-heatmap"), other], Path.Combine(files.Folder, "x.onnx")));
        Assert.That(e!.Message, Does.Contain("points58.onnx").And.Contain("differ"));
        e = Assert.Throws<ArgumentException>(() => EnsembleWriter.Write([RepositoryFiles.Model("imm-face58")], Path.Combine(files.Folder, "x.onnx"), flip: true));
        Assert.That(e!.Message, Does.Contain("imm-face58.onnx"));
        Assert.That(File.Exists(Path.Combine(files.Folder, "x.onnx")), Is.False, "nothing written");
    }
}
