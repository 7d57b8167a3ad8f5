using KeypointML.Tests.Packaging;
using KeypointML.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Tests.Transforms;

/// <summary>
/// Regression test for a native heap corruption in the training preprocessing ("malloc(): unsorted double linked list
/// corrupted" once in about ten runs): ImageAnalytics' ConvertToGrayscale (ML.NET 5.0.1) creates an SKBitmap it never
/// uses, and a garbage collection during that SkiaSharp 2.88 constructor let the finalizer destroy the native bitmap
/// while <c>sk_bitmap_try_alloc_pixels</c> was still writing into it. The child process runs the training pipeline
/// (LoadImages -> CropToFaceBox -> NormalizeGrayscale, read with ML.NET's parallel cursor) while another thread collects
/// garbage without pause, and glibc fills freed memory (MALLOC_PERTURB_), so a use after free shows at once: before the
/// fix the child died (SIGSEGV/SIGABRT) within the first images; it must now finish with identical tensors.
/// </summary>
public class PreprocessingStress
{
    internal const string Verb = "preprocessing-stress";
    private const int Rows = 150, Height = 60, Width = 80;

    [Test, CancelAfter(120_000)]
    public void Preprocessing_survives_garbage_collections_at_any_moment_in_a_child_process()
    {
        using var files = new TestFiles();
        // An IMM-sized picture (640 x 480), so each row allocates and converts images as large as the training ones.
        var image = files.GaussianPng("face.png", 640, 480, 300.5f, 200.5f, 60f);
        var testAssembly = typeof(PreprocessingStress).Assembly.Location;
        var environment = new Dictionary<string, string> { ["MALLOC_PERTURB_"] = "165", ["DOTNET_gcServer"] = "0" };

        var result = DotnetCommand.RunAllowingFailure(files.Folder, TimeSpan.FromSeconds(100), environment,
            testAssembly, Verb, image, Rows.ToString());

        Assert.That(result.ExitCode, Is.Zero,
            $"the preprocessing child process died (exit {result.ExitCode}; 134 = abort, 139 = segmentation fault):\n{result.Both}");
        Assert.That(result.StdOut, Does.Contain($"whole image: {Rows} rows, identical").And.Contain($"face box: {Rows} rows, identical"));
    }

    /// <summary>The child: the training pipeline over <c>ROWS</c> copies of <c>IMAGE</c>, with a thread forcing collections.</summary>
    internal static int RunChild(string[] args)
    {
        string image = args[0];
        int rows = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var collector = new Thread(() =>
        {
            while (true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ => new PathBoxRow { ImagePath = image, Box = [200, 100, 200, 240] }).ToList());
        foreach (var (name, box) in new[] { ("whole image", (string?)null), ("face box", "Box") })
        {
            // As FaceTensorLoader builds it: ImageAnalytics' LoadImages, then the KeypointML components.
            var view = ml.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(ml.Transforms.CropToFaceBox(new FaceBoxCropOptions { ImageColumnName = "Image", BoxColumnName = box, Scale = 1.2f }))
                .Append(ml.Transforms.NormalizeGrayscale("Pixels", "CroppedImage", Height, Width))
                .Fit(data).Transform(data);
            float[]? first = null;
            int n = 0, identical = 0;
            using (var cursor = view.GetRowCursor(view.Schema.Where(c => c.Name is "Pixels" or "CropGeometry")))
            {
                var getPixels = cursor.GetGetter<VBuffer<float>>(view.Schema["Pixels"]);
                VBuffer<float> pixels = default;
                while (cursor.MoveNext())
                {
                    getPixels(ref pixels);
                    var values = pixels.DenseValues().ToArray();
                    first ??= values;
                    if (values.AsSpan().SequenceEqual(first)) identical++;
                    n++;
                }
            }
            Console.WriteLine($"{name}: {n} rows, {(identical == n && n == rows ? "identical" : $"{identical} equal to the first")}");
        }
        return 0;
    }
}
