using System.CommandLine;
using KeypointML.Cli;

namespace KeypointML.Training.Cli;

/// <summary>The training tool (<c>keypointml-train</c>): the <c>keypointml</c> root with this assembly's verbs
/// (<c>train</c>, <c>heatmap-resolution</c>) added, so the training tool alone does everything.</summary>
public static class TrainingTool
{
    public static RootCommand CreateRoot() => CliApp.CreateRoot(typeof(TrainingTool).Assembly);

    public static int Run(string[] args, TextWriter? stderr = null, TextWriter? stdout = null) =>
        CliApp.Run(args, stderr, stdout, typeof(TrainingTool).Assembly);
}
