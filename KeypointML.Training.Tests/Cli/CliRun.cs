using KeypointML.Training.Cli;

namespace KeypointML.Tests.Cli;

/// <summary>One run of the keypointml tool in-process, with its exit code, stdout and stderr.</summary>
internal sealed record CliRun(int Code, string Out, string Err)
{
    public static CliRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TrainingTool.Run(args, error, output);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The lines of stderr without the trailing empty one.</summary>
    public string[] ErrLines => Err.TrimEnd('\n').Split('\n');

    public override string ToString() => $"exit {Code}\nstdout: {Out}\nstderr: {Err}";
}
