using KeypointML.Data;
using KeypointML.Detection;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace KeypointML.Tests.Detection;

/// <summary>Photos in, faces and 68 points out, with the shipped detector and landmark model on real photos.</summary>
public class FaceDetectionTests
{
    [SetUp]
    public void RequireData()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
    }

    [Test]
    public void ImmPhotos_OneFaceEach_WhosePointsCoverTheLabelledFace()
    {
        var ml = new MLContext(seed: 0);
        var rows = KeypointDatasets.Load(ml, KeypointDatasets.ImmValidation).Rows.Take(12).ToList();
        using var detector = FaceDetectorModel.Open(RepositoryFiles.Model("blazeface-front"));
        using var landmarks = KeypointModel.Open(RepositoryFiles.Model("ibug68-heatmap"));
        var faces = new FaceLandmarker(detector, landmarks).Find(rows.Select(r => r.ImagePath));
        Assert.That(faces.Select(f => f.ImagePath), Is.EqualTo(rows.Select(r => r.ImagePath)), "exactly one face per IMM photo");
        for (int i = 0; i < rows.Count; i++)
        {
            var labelled = KeypointBoxes.Of(rows[i].Keypoints);
            var predicted = KeypointBoxes.Of(faces[i].Keypoints);
            float iou = KeypointBoxes.Iou(labelled, predicted);
            // The two schemes share the face's extent, not its points (IMM's outline runs higher on the forehead side).
            float dx = predicted[0] + predicted[2] / 2 - labelled[0] - labelled[2] / 2, dy = predicted[1] + predicted[3] / 2 - labelled[1] - labelled[3] / 2;
            float centreError = MathF.Sqrt(dx * dx + dy * dy) / labelled[2];
            TestContext.Out.WriteLine($"{Path.GetFileName(rows[i].ImagePath)}: score {faces[i].Score:F3}, points' box IoU {iou:F2}, box centres {centreError:P1} of the face width apart");
            Assert.That(iou, Is.GreaterThan(0.7f), $"{rows[i].ImagePath}: the 68 points' box and the 58 labelled points' box");
            Assert.That(centreError, Is.LessThan(0.1f), $"{rows[i].ImagePath}: the centres of the two boxes");
        }
    }

    [Test]
    public void FaceFreePhotos_GiveNoFace()
    {
        var folder = FaceFreePhotos.Folder();
        if (folder is null) Assert.Ignore($"The face-free photos are not here ({FaceFreePhotos.Hint}).");
        using var detector = FaceDetectorModel.Open(RepositoryFiles.Model("blazeface-front"));
        var ml = new MLContext(seed: 0);
        var paths = FaceFreePhotos.Files.Select(f => Path.Combine(folder!, f)).ToList();
        var faces = new FaceLandmarker(detector).Find(paths);
        Assert.That(faces.Select(f => $"{Path.GetFileName(f.ImagePath)} {f.Score:F3}"), Is.Empty);
    }

    [Test]
    public void OddImages_AreSearched_AndAOneByOneImageHasNoFace()
    {
        using var folder = new TempFolder();
        string grey = Write(folder.Path, "grey.png", SKColorType.Gray8, 64, 48);
        string alpha = Write(folder.Path, "alpha.png", SKColorType.Rgba8888, 64, 48, SKAlphaType.Unpremul);
        string wide = Write(folder.Path, "wide.png", SKColorType.Rgba8888, 200, 8);
        string deep = Png16.Write(Path.Combine(folder.Path, "rgb16.png"), 48, 40);
        string cmyk = CmykJpeg.Write(Path.Combine(folder.Path, "cmyk.jpg"), 32, 24);
        string tiny = Write(folder.Path, "tiny.png", SKColorType.Rgba8888, 1, 1);
        using var detector = FaceDetectorModel.Open(RepositoryFiles.Model("blazeface-front"));
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { grey, alpha, wide, tiny, deep, cmyk }.Select(p => new PathRow { ImagePath = p }));
        var searched = ml.Transforms.DetectFaces(new FaceDetectingOptions { Detector = detector }).Fit(data).Transform(data);
        Assert.That(searched.GetColumn<int>(KeypointColumns.FaceCount).ToList(), Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0 }));
        // Every one was decoded at its own size (the 16-bit PNG and the CMYK JPEG included).
        Assert.That(searched.GetColumn<float[]>(KeypointColumns.ImageSize).Select(v => $"{v[0]}x{v[1]}").ToList(),
            Is.EqualTo(new[] { "64x48", "64x48", "200x8", "1x1", "48x40", "32x24" }));
    }

    [Test]
    public void AnchorCodec_DecodesABoxAtItsAnchor_AndMergesOverlaps()
    {
        var codec = AnchorBoxCodec.BlazeFace(128);
        Assert.That(codec.AnchorCount, Is.EqualTo(896));
        var logits = Enumerable.Repeat(-10f, 896).ToArray();
        var regressions = new float[896 * 16];
        // Anchor 0 sits at the first 16x16 cell's centre (4, 4 px of 128); anchor 1 at the same centre.
        logits[0] = 2f; regressions[0] = 8; regressions[1] = -4; regressions[2] = 32; regressions[3] = 40;
        logits[1] = 1f; regressions[16] = 9; regressions[17] = -4; regressions[18] = 32; regressions[19] = 40;
        var candidates = codec.Decode(logits, regressions, 0.5f);
        Assert.That(candidates, Has.Count.EqualTo(2));
        Assert.That(candidates[0].CenterX, Is.EqualTo((4f + 8) / 128).Within(1e-6f));
        Assert.That(candidates[0].CenterY, Is.EqualTo((4f - 4) / 128).Within(1e-6f));
        Assert.That(candidates[0].Width, Is.EqualTo(32f / 128).Within(1e-6f));
        Assert.That(candidates[0].Score, Is.EqualTo(1 / (1 + MathF.Exp(-2))).Within(1e-6f));
        var merged = AnchorBoxCodec.WeightedNms(candidates, 0.3f);
        Assert.That(merged, Has.Count.EqualTo(1));
        float w0 = candidates[0].Score, w1 = candidates[1].Score;
        Assert.That(merged[0].CenterX, Is.EqualTo((w0 * (12f / 128) + w1 * (13f / 128)) / (w0 + w1)).Within(1e-6f), "score-weighted mean");
        Assert.That(merged[0].Score, Is.EqualTo(w0), "the cluster's best score");
    }

    [Test]
    public void BoxMap_FitsAKnownMap()
    {
        var truth = new FaceBoxMap(0.9f, 0.95f, 0.02f, 0.05f);
        var pairs = Enumerable.Range(1, 9).Select(i => new float[] { 10 * i, 5 * i, 100 + i, 120 - i })
            .Select(d => (d, truth.Apply(d))).ToList();
        var fitted = FaceBoxMap.Fit(pairs);
        Assert.That(new[] { fitted.ScaleWidth, fitted.ScaleHeight, fitted.ShiftX, fitted.ShiftY }, Is.EqualTo(new[] { 0.9f, 0.95f, 0.02f, 0.05f }).Within(1e-5f));
    }

    private static string Write(string folder, string name, SKColorType type, int w, int h, SKAlphaType alpha = SKAlphaType.Opaque)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, type, alpha));
        using (var canvas = new SKCanvas(bitmap)) canvas.Clear(new SKColor(90, 120, 150, 200));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}

/// <summary>Writes a 16-bit-per-channel RGB PNG by hand (SkiaSharp 2.88 does not encode 16-bit PNGs).</summary>
internal static class Png16
{
    public static string Write(string path, int width, int height)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);   // filter: none
            for (int x = 0; x < width; x++)
                foreach (var v in new[] { x * 1300, y * 1600, 30000 })
                {
                    raw.WriteByte((byte)(v >> 8));
                    raw.WriteByte((byte)v);
                }
        }
        var compressed = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            z.Write(raw.ToArray());
        using var file = File.Create(path);
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(file, "IHDR", [.. BigEndian(width), .. BigEndian(height), 16, 2, 0, 0, 0]);
        Chunk(file, "IDAT", compressed.ToArray());
        Chunk(file, "IEND", []);
        return path;
    }

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(BigEndian(data.Length));
        s.Write(typed);
        s.Write(BigEndian((int)Crc32(typed)));
    }

    internal static uint Crc(byte[] bytes) => Crc32(bytes);

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}

/// <summary>Writes a flat-coloured baseline CMYK JPEG (Adobe marker, 4 components) by hand: no encoder here writes CMYK.
/// Every 8x8 block holds only its DC coefficient, so the entropy data is one DC difference and an end-of-block per block.</summary>
internal static class CmykJpeg
{
    public static string Write(string path, int width, int height)
    {
        byte[] cmyk = [40, 90, 160, 20];
        var o = new List<byte> { 0xFF, 0xD8 };
        Segment(o, 0xEE, [.. "Adobe"u8.ToArray(), 0, 100, 0, 0, 0, 0, 0]);                 // APP14, transform 0: CMYK as is
        Segment(o, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);                          // one quantization table of 1s
        Segment(o, 0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 4,
            1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);                              // baseline, 4 components, 1x1
        // DC table: categories 0..11, all 4-bit codes; AC table: end-of-block only, code "0".
        Segment(o, 0xC4, [0x00, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        Segment(o, 0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(o, 0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        var bits = new BitWriter(o);
        int blocks = ((width + 7) / 8) * ((height + 7) / 8);
        for (int b = 0; b < blocks; b++)
            foreach (var v in cmyk)
            {
                if (b == 0)
                {
                    int dc = 8 * (v - 128), category = dc == 0 ? 0 : (int)Math.Log2(Math.Abs(dc)) + 1;
                    bits.Write(category, 4);
                    if (category > 0) bits.Write(dc > 0 ? dc : dc + (1 << category) - 1, category);
                }
                else bits.Write(0, 4);   // DC difference 0
                bits.Write(0, 1);        // end of block
            }
        bits.Flush();
        o.AddRange([0xFF, 0xD9]);
        File.WriteAllBytes(path, [.. o]);
        return path;
    }

    private static void Segment(List<byte> o, byte marker, byte[] data)
    {
        o.AddRange([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2)]);
        o.AddRange(data);
    }

    private sealed class BitWriter(List<byte> output)
    {
        private int _buffer, _count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((value >> i) & 1);
                if (++_count == 8) Emit();
            }
        }

        public void Flush()
        {
            while (_count != 0) Write(1, 1);
        }

        private void Emit()
        {
            output.Add((byte)_buffer);
            if (_buffer == 0xFF) output.Add(0);   // byte stuffing
            _buffer = 0;
            _count = 0;
        }
    }
}
