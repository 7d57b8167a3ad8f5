using System.Globalization;
using KeypointML.Models;
using KeypointML.Transforms;
using Microsoft.ML;

// Usage: PackageConsumer MODEL-NAME IMAGE-FILE
// Opens a shipped model by name, runs one prediction on the image through the ML.NET pipeline (DetectKeypoints,
// whole image), saves the fitted pipeline, loads it back and predicts again; prints one "key: value" line per fact.
// Exit code 2 with the library's message on stderr when the model cannot be found.
string name = args[0];
string image = Path.GetFullPath(args[1]);

Console.WriteLine("names: " + string.Join(",", ShippedModels.Names));
string modelPath;
try
{
    modelPath = ShippedModels.Path(name);
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
Console.WriteLine("path: " + modelPath);

var ml = new MLContext(seed: 0);
var input = new Face { ImagePath = image };
IDataView data = ml.Data.LoadFromEnumerable(new[] { input });
var estimator = ml.Transforms.DetectKeypoints(modelPath);
var m = estimator.Model.Metadata;
Console.WriteLine($"model: {m.Name} {m.InputHeight}x{m.InputWidth} {m.KeypointCount} keypoints {m.OutputKind}");

ITransformer detector = estimator.Fit(data);
using (var engine = ml.Model.CreatePredictionEngine<Face, Detection>(detector))
    Console.WriteLine("keypoints: " + Format(engine.Predict(input).Keypoints));

// A pipeline saved by one application and loaded by another: the CustomMapping factories must be registered.
string saved = Path.GetFullPath("detector.zip");
ml.Model.Save(detector, data.Schema, saved);
var other = new MLContext(seed: 0).RegisterKeypointComponents();
ITransformer loaded = other.Model.Load(saved, out _);
using (var engine = other.Model.CreatePredictionEngine<Face, Detection>(loaded))
    Console.WriteLine("reloaded: " + Format(engine.Predict(input).Keypoints));
return 0;

static string Format(float[] values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

public sealed class Face
{
    public string ImagePath { get; set; } = "";
}

public sealed class Detection
{
    public float[] Keypoints { get; set; } = [];
}
