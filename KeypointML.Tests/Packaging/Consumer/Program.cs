using System.Globalization;
using KeypointML.Models;
using KeypointML.Preprocessing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// Usage: PackageConsumer MODEL-NAME GREY-LEVEL
// Opens a shipped model by name, runs it once on a uniform grey image and prints one "key: value" line per fact.
// Exit code 2 with the library's message on stderr when the model cannot be found.
string name = args[0];
float grey = float.Parse(args[1], CultureInfo.InvariantCulture);

Console.WriteLine("names: " + string.Join(",", ShippedModels.Names));
string path;
try
{
    path = ShippedModels.Path(name);
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
Console.WriteLine("path: " + path);

using var session = new InferenceSession(path);
var metadata = KeypointModelMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap, path);
Console.WriteLine($"model: {metadata.Name} {metadata.InputHeight}x{metadata.InputWidth} {metadata.KeypointCount} keypoints {metadata.OutputKind}");

// The image as the model sees it: [1, 1, H, W] grey values normalized the one KeypointML way.
var image = new DenseTensor<float>([1, 1, metadata.InputHeight, metadata.InputWidth]);
image.Fill(GrayscaleNormalization.Normalize(grey));
using var results = session.Run([NamedOnnxValue.CreateFromTensor(KeypointModelMetadata.InputName, image)]);
float[] output = results.Single(r => r.Name == KeypointModelMetadata.OutputName).AsEnumerable<float>().ToArray();
Console.WriteLine("output: " + string.Join(",", output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
return 0;
