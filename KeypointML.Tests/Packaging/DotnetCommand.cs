using System.Diagnostics;
using System.Text;

namespace KeypointML.Tests.Packaging;

/// <summary>Runs the dotnet CLI (or a built app) as a child process and captures what it prints.</summary>
internal static class DotnetCommand
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Both => StdOut + StdErr;
    }

    /// <summary>The dotnet executable running the tests (set by the CLI for its children), else the one on PATH.</summary>
    private static string DotnetExe => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet";

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>; fails the test when it exits non-zero.</summary>
    public static Result Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var result = RunAllowingFailure(workingDirectory, timeout, args);
        if (result.ExitCode != 0)
            Assert.Fail($"dotnet {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.Both}");
        return result;
    }

    public static Result RunAllowingFailure(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunAllowingFailure(workingDirectory, timeout, new Dictionary<string, string>(), args);

    /// <summary>Runs <c>dotnet ARGS</c> with extra <paramref name="environment"/> variables; returns whatever it exits with.</summary>
    public static Result RunAllowingFailure(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunProgram(DotnetExe, workingDirectory, timeout, environment, args);

    /// <summary>Runs <paramref name="program"/> (an installed tool, a script) the same way; returns whatever it exits with.</summary>
    public static Result RunProgram(string program, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        // The test host inherits MSBuild variables from `dotnet test`; a child build must pick its own SDK paths.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s:\n{stdout}{stderr}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        TestContext.Progress.WriteLine($"{Path.GetFileName(program)} {string.Join(' ', args)} -> {process.ExitCode}");
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
