using System.CommandLine;
using KeypointML.Training.Bench;

namespace KeypointML.Training.Cli;

/// <summary>The <c>keypointml bench</c> verb: scoring throughput through ML.NET against ONNX Runtime directly.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "KeypointML ONNX model; default: a built 1x224x224 conv regressor with 68 points" };
        var images = new Option<int>("--images") { Description = "Number of images (random normalized tensors)", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "Batch size of the direct ONNX Runtime runs", DefaultValueFactory = _ => 16 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats per path (the best is kept)", DefaultValueFactory = _ => 3 };
        var command = new Command("bench", "Scoring throughput: ML.NET pipeline vs ONNX Runtime directly, batch and single image");
        command.Options.Add(model);
        command.Options.Add(images);
        command.Options.Add(batch);
        command.Options.Add(repeats);
        command.SetAction(parse =>
        {
            var result = ScoringBenchmark.Run(parse.GetValue(model), parse.GetValue(images), parse.GetValue(batch), parse.GetValue(repeats));
            Console.WriteLine(result);
            return 0;
        });
        return command;
    }
}
