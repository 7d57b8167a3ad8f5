using System.Diagnostics;

namespace KeypointML.Tests.Report;

/// <summary>Renders a page with Debian's headless Chromium into a PNG, as a user's browser would show it.</summary>
internal static class ChromiumScreenshot
{
    public static string? FindBrowser() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Takes the screenshot; fails the test with Chromium's output when it writes none.</summary>
    public static void Take(string browser, string page, string png, string profileFolder, int width = 1200, int height = 2000)
    {
        // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
        var start = new ProcessStartInfo(browser)
        {
            ArgumentList =
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={profileFolder}",
                $"--screenshot={png}", $"--window-size={width},{height}", new Uri(page).AbsoluteUri,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 90 s");
        }
        Assert.That(File.Exists(png), Is.True, $"chromium wrote no screenshot (exit {process.ExitCode}): {output.Result} {error.Result}");
    }
}
