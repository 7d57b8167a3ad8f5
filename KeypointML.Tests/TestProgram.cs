using KeypointML.Tests.Transforms;

namespace KeypointML.Tests;

/// <summary>
/// Entry point of the test assembly (replacing the test SDK's empty one, see the project file) so that a test can run a
/// scenario in a child process: <c>dotnet KeypointML.Tests.dll VERB ARGS</c>. A native crash there fails that test
/// alone instead of taking the test host down, and the child can get environment variables read at process start
/// (e.g. glibc's MALLOC_PERTURB_). Without a known verb it does nothing, like the generated one.
/// </summary>
internal static class TestProgram
{
    public static int Main(string[] args) => args switch
    {
        [PreprocessingStress.Verb, .. var rest] => PreprocessingStress.RunChild(rest),
        _ => 0,
    };
}
