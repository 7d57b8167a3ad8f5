using Microsoft.ML;

namespace KeypointML.Data;

/// <summary>
/// The one place that turns a dataset spec (what a user types on the command line) into a <see cref="KeypointDataset"/>.
/// </summary>
/// <remarks>
/// A spec is one of:
/// <list type="bullet">
/// <item><c>imm-train</c>, <c>imm-val</c>, <c>imm-all</c>: the IMM Face Database under the data root (<see cref="KeypointDataPaths"/>), split by person.</item>
/// <item><c>ibug-train</c>, <c>ibug-test</c>: iBUG 300-W's <c>labels_ibug_300W_train.xml</c> / <c>_test.xml</c> under the data root.</item>
/// <item>a <c>.xml</c> file: dlib imglab XML with 68-point faces.</item>
/// <item>a <c>.csv</c> file: <c>image,left,top,width,height</c> face boxes without labels.</item>
/// <item>a folder with <c>.asf</c> files: an IMM-style database (all of it).</item>
/// <item>any other folder: its images without labels, each box the whole image.</item>
/// </list>
/// What can be checked without reading every file (the spec, the file or folder) is checked now; label files are
/// read, and their errors thrown, when the rows are enumerated.
/// </remarks>
public static class KeypointDatasets
{
    /// <summary>IMM persons 1-32.</summary>
    public const string ImmTrain = "imm-train";
    /// <summary>IMM persons 33-40.</summary>
    public const string ImmValidation = "imm-val";
    /// <summary>All IMM images.</summary>
    public const string ImmAll = "imm-all";
    /// <summary>iBUG 300-W training XML (1220 faces).</summary>
    public const string IbugTrain = "ibug-train";
    /// <summary>iBUG 300-W test XML (337 faces).</summary>
    public const string IbugTest = "ibug-test";
    /// <summary>The held-out validation part of the iBUG training XML that the 68-point recipes select models on (10% of
    /// the images, seeded split by image, seed 1: 122 faces); the test XML stays untouched for the final figure.</summary>
    public const string IbugValidation = "ibug-val";
    /// <summary>The rest of the iBUG training XML: the faces the 68-point recipes train on (1098), for calibrating a
    /// trained model on its own training faces (<c>keypointml ship --calibrate ibug-fit</c>).</summary>
    public const string IbugFit = "ibug-fit";

    /// <summary>Share of the training images <see cref="IbugValidation"/> holds out.</summary>
    public const double IbugValidationFraction = 0.1;
    /// <summary>The seed of <see cref="IbugValidation"/>'s split (the recipes' default seed).</summary>
    public const long IbugValidationSeed = 1;

    /// <summary>The iBUG 300-W training label file under <see cref="KeypointDataPaths.Ibug"/>.</summary>
    public const string IbugTrainXmlFile = "labels_ibug_300W_train.xml";
    /// <summary>The iBUG 300-W test label file under <see cref="KeypointDataPaths.Ibug"/>.</summary>
    public const string IbugTestXmlFile = "labels_ibug_300W_test.xml";

    /// <summary>The named specs, for help texts.</summary>
    public static IReadOnlyList<string> Names { get; } = [ImmTrain, ImmValidation, ImmAll, IbugTrain, IbugFit, IbugValidation, IbugTest];

    /// <summary>Resolves <paramref name="spec"/> (see the remarks) into a dataset.</summary>
    public static KeypointDataset Load(MLContext mlContext, string spec)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        switch (spec.Trim().ToLowerInvariant())
        {
            case ImmTrain: return LoadImm(mlContext, spec, KeypointDataPaths.Imm, ImmSplit.Train);
            case ImmValidation: return LoadImm(mlContext, spec, KeypointDataPaths.Imm, ImmSplit.Validation);
            case ImmAll: return LoadImm(mlContext, spec, KeypointDataPaths.Imm, ImmSplit.All);
            case IbugTrain: return LoadXml(mlContext, spec, Path.Combine(KeypointDataPaths.Ibug, IbugTrainXmlFile));
            case IbugTest: return LoadXml(mlContext, spec, Path.Combine(KeypointDataPaths.Ibug, IbugTestXmlFile));
            case IbugValidation or IbugFit:
                var xml = Path.Combine(KeypointDataPaths.Ibug, IbugTrainXmlFile);
                DataFiles.RequireFile(xml);
                bool validation = spec.Trim().ToLowerInvariant() == IbugValidation;
                return KeypointDataset.Create(mlContext, spec, new DeferredRows(() =>
                {
                    var split = HoldOutByImage(IbugXmlReader.Read(xml).ToList(), IbugValidationFraction, IbugValidationSeed);
                    return validation ? split.Validation : split.Train;
                }), IbugXmlReader.PointCount);
        }

        if (Directory.Exists(spec))
        {
            return Directory.EnumerateFiles(spec, "*.asf").Any()
                ? LoadImm(mlContext, spec, spec, ImmSplit.All)
                : KeypointDataset.Create(mlContext, spec, ImageFolderReader.Read(spec), 0);
        }
        if (!File.Exists(spec))
            throw KeypointDataException.InFile(spec,
                $"no such file or folder, and not a dataset name ({string.Join(", ", Names)}).");
        return Path.GetExtension(spec).ToLowerInvariant() switch
        {
            ".xml" => LoadXml(mlContext, spec, spec),
            ".csv" => KeypointDataset.Create(mlContext, spec, BoxCsvReader.Read(spec), 0),
            var other => throw KeypointDataException.InFile(spec,
                $"cannot tell the dataset format from the extension '{other}': expected a dlib .xml, a box .csv, or a folder."),
        };
    }

    /// <summary>Splits faces into train and validation by image: a seeded shuffle of the distinct image paths (ordinal
    /// order first), the first <paramref name="fraction"/> of them held out.</summary>
    public static (List<KeypointSample> Train, List<KeypointSample> Validation) HoldOutByImage(List<KeypointSample> rows, double fraction, long seed)
    {
        var images = rows.Select(r => r.ImagePath).Distinct().OrderBy(p => p, StringComparer.Ordinal).ToArray();
        var order = SeededRandom.For(seed, 0, "holdout").Permutation(images.Length);
        int n = Math.Max(1, (int)Math.Round(images.Length * fraction));
        var held = order.Take(n).Select(i => images[i]).ToHashSet();
        return (rows.Where(r => !held.Contains(r.ImagePath)).ToList(), rows.Where(r => held.Contains(r.ImagePath)).ToList());
    }

    /// <summary>Rows computed when enumerated (each enumeration anew), so loading a dataset reads no label file yet.</summary>
    private sealed class DeferredRows(Func<IEnumerable<KeypointSample>> rows) : IEnumerable<KeypointSample>
    {
        public IEnumerator<KeypointSample> GetEnumerator() => rows().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static KeypointDataset LoadImm(MLContext mlContext, string name, string folder, ImmSplit split) =>
        KeypointDataset.Create(mlContext, name, ImmFaceDatabase.Read(folder, split), ImmFaceDatabase.PointCount);

    private static KeypointDataset LoadXml(MLContext mlContext, string name, string xmlPath) =>
        KeypointDataset.Create(mlContext, name, IbugXmlReader.Read(xmlPath), IbugXmlReader.PointCount);
}
