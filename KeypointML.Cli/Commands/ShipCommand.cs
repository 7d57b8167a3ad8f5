using System.CommandLine;
using KeypointML.Models;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;

namespace KeypointML.Cli;

/// <summary><c>keypointml ship --model RUN/x.onnx --name NAME [--models DIR]</c>: copies a trained model into the models
/// folder as NAME.onnx with metadata name NAME.</summary>
public sealed class ShipCommand : ICliCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported model (a run folder's NAME.onnx).", Required = true };
        var name = new Option<string>("--name") { Description = "The shipped name, e.g. ibug68-fast: the file becomes NAME.onnx and its metadata name NAME.", Required = true };
        var models = new Option<string?>("--models") { Description = "The models folder (default: the repository's models/)." };
        var refine = ModelOptions.Refine();
        refine.Description = "Heatmap models: record this decoding in the model's metadata as its default (the one chosen on its validation faces); DetectKeypoints and the verbs then use it unless told otherwise.";
        var detector = new Option<bool>("--detector") { Description = "The model is a third-party face detector (BlazeFace layout): add KeypointML's name, kind and the source's sha256 to its metadata." };
        var command = new Command("ship", "Put a trained model into the models folder under its shipped name (file name = metadata name; graph and weights unchanged).")
        {
            model, name, models, detector, refine,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var folder = parse.GetValue(models) ?? ModelsFolder.TryFind() ?? throw new ArgumentException("no models folder: pass --models DIR (or run inside the repository, or set KEYPOINTML_MODELS).");
            if (parse.GetValue(detector))
            {
                var shippedDetector = ShippedModelWriter.ShipDetector(parse.GetValue(model)!, parse.GetValue(name)!, folder);
                CliApp.Out.WriteLine($"{shippedDetector}: face detector, sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(shippedDetector)))}");
                return 0;
            }
            var target = ShippedModelWriter.Ship(parse.GetValue(model)!, parse.GetValue(name)!, folder, parse.GetValue(refine));
            using var shipped = KeypointModel.Open(target);
            CliApp.Out.WriteLine($"{target}: {ModelDescription.Of(shipped, null)}, output activation {shipped.Metadata.OutputActivation.ToString().ToLowerInvariant()}" +
                (shipped.Metadata.Refinement is { } r ? $", decoded by {KeypointModelMetadata.RefinementNames[r]} unless told otherwise" : ""));
            return 0;
        }));
        return command;
    }
}
