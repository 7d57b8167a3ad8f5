using System.CommandLine;
using KeypointML.Models;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;

namespace KeypointML.Cli;

/// <summary><c>keypointml ensemble --model A --model B --out E.onnx [--half]</c>: one model file whose output is the
/// mean of the members' probability maps (<see cref="EnsembleWriter"/>); ship it with <c>keypointml ship --calibrate</c>.</summary>
public sealed class EnsembleCommand : ICliCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "A member: a heatmap model file or a shipped name; give two or more.",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "The ensemble's ONNX file.", Required = true };
        var half = new Option<bool>("--half") { Description = "Store the weights as float16, cast to float32 when the model loads (half the file; the network still computes in float32)." };
        var flip = new Option<bool>("--flip") { Description = "68-point models: each member also scores the mirrored face inside the graph (test-time flip averaging that a saved pipeline keeps; twice the cost, no more weights). With --flip one --model is enough." };
        var command = new Command("ensemble", "Join heatmap models of one crop into one model that averages their probability maps (one file, one session); members of different sizes are resized in the graph to the largest.")
        {
            models, output, half, flip,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var members = parse.GetValue(models)!.Select(ModelsFolder.ResolveModel).ToList();
            var target = EnsembleWriter.Write(members, parse.GetValue(output)!, parse.GetValue(half), parse.GetValue(flip));
            using var written = KeypointModel.Open(target);
            CliApp.Out.WriteLine(FormattableString.Invariant($"{target}: ensemble of {members.Count}{(parse.GetValue(flip) ? " with flip" : "")} ({string.Join(", ", members.Select(Path.GetFileName))}), {ModelDescription.Of(written, null)}, {new FileInfo(target).Length / 1048576.0:F1} MiB"));
            return 0;
        }));
        return command;
    }
}
