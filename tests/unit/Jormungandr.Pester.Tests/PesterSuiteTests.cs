using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Jormungandr.Tests;

/// <summary>
/// Every file of tests/pester, run by Pester in a real PowerShell 7.6 engine against the built module
/// (out/Jormungandr/&lt;version&gt;), one child process per file. A file passes when the engine ran to the
/// end, wrote its NUnit result and no Pester test, block or container failed; the output lists every
/// Pester test with its result. Set JORMUNGANDR_PESTER_RESULTS to a folder to keep the NUnit files
/// (.ci/run counts the Pester tests from them).
/// </summary>
public sealed class PesterSuiteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FileTimeout = TimeSpan.FromMinutes(10);
    private const int MaxLoggedChars = 200_000;

    /// <summary>The Pester files, by name.</summary>
    public static TheoryData<string> PesterFiles()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(PesterDirectory, "*.Tests.ps1").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void PesterFilePasses(string file)
    {
        string? keep = Environment.GetEnvironmentVariable("JORMUNGANDR_PESTER_RESULTS");
        string resultDirectory = string.IsNullOrEmpty(keep) ? Directory.CreateTempSubdirectory("jormungandr-pester-").FullName : keep;
        Directory.CreateDirectory(resultDirectory);
        string resultPath = Path.Combine(resultDirectory, Path.ChangeExtension(file, ".xml"));
        File.Delete(resultPath);
        try
        {
            (int exitCode, string log) = RunPester(Path.Combine(PesterDirectory, file), resultPath);
            output.WriteLine(log.Length > MaxLoggedChars ? "…" + log[^MaxLoggedChars..] : log);

            Assert.True(File.Exists(resultPath),
                $"PowerShell ended (exit {exitCode}) without writing Pester's result for {file}: the engine died or Pester did not run. Output tail:\n{Tail(log)}");
            PesterResult result = PesterResult.Read(resultPath);
            output.WriteLine(result.Summary);
            Assert.True(result.Total > 0, $"{file} ran no Pester test");
            Assert.True(result.Failures.Count == 0 && exitCode == 0,
                $"{file}: exit {exitCode}, {result.Failures.Count} Pester failure(s):\n{string.Join("\n", result.Failures)}\nOutput tail:\n{Tail(log)}");
        }
        finally
        {
            if (string.IsNullOrEmpty(keep))
            {
                Directory.Delete(resultDirectory, recursive: true);
            }
        }
    }

    private static (int ExitCode, string Log) RunPester(string testFile, string resultPath)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (string argument in (string[])[typeof(PowerShellHost).Assembly.Location, "-NoProfile", "-NonInteractive", "-File",
                     Path.Combine(PesterDirectory, "Run-Pester.ps1"), "-Path", testFile, "-ResultPath", resultPath, "-ModuleDirectory", ModuleDirectory])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PSModulePath"] = Path.Combine(AppContext.BaseDirectory, "PesterModules");
        start.Environment["NO_COLOR"] = "1";
        start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_UPDATECHECK"] = "Off";

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(FileTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"Pester did not finish {Path.GetFileName(testFile)} within {FileTimeout.TotalMinutes} minutes. Output tail:\n{Tail(Snapshot(log))}");
        }

        process.WaitForExit();   // drains the redirected output
        return (process.ExitCode, Snapshot(log));
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static string Tail(string log) => log.Length > 6000 ? "…" + log[^6000..] : log;

    private static string PesterDirectory => Path.Combine(TestPaths.RepositoryRoot, "tests", "pester");

    private static string ModuleDirectory
    {
        get
        {
            string version = typeof(PesterSuiteTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "ModuleVersion")?.Value ?? ReadManifestVersion();
            return Path.Combine(TestPaths.RepositoryRoot, "out", "Jormungandr", version);
        }
    }

    private static string ReadManifestVersion()
    {
        foreach (string line in File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, "Jormungandr.psd1")))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("ModuleVersion", StringComparison.Ordinal))
            {
                return trimmed[(trimmed.IndexOf('\'', StringComparison.Ordinal) + 1)..trimmed.LastIndexOf('\'')];
            }
        }

        throw new InvalidOperationException("Jormungandr.psd1 has no ModuleVersion");
    }

    /// <summary>The counts and failures of one Pester NUnit 2.5 result file.</summary>
    private sealed record PesterResult(int Total, int Passed, int Skipped, IReadOnlyList<string> Failures, string Summary)
    {
        public static PesterResult Read(string path)
        {
            XDocument document = XDocument.Load(path);
            int total = 0, passed = 0, skipped = 0;
            var failures = new List<string>();
            var lines = new StringBuilder();
            foreach (XElement testCase in document.Descendants("test-case"))
            {
                total++;
                string name = (string?)testCase.Attribute("description") ?? (string?)testCase.Attribute("name") ?? "?";
                string result = (string?)testCase.Attribute("result") ?? "?";
                lines.Append(CultureInfo.InvariantCulture, $"  {result,-12} {name}\n");
                switch (result)
                {
                    case "Success":
                        passed++;
                        break;
                    case "Failure" or "Error":
                        failures.Add($"  {name}: {testCase.Element("failure")?.Element("message")?.Value.Trim()}");
                        break;
                    default:
                        skipped++;
                        break;
                }
            }

            // A failed BeforeAll/AfterAll or a file that does not parse is a failed test-suite without a failed test-case.
            foreach (XElement suite in document.Descendants("test-suite"))
            {
                if ((string?)suite.Attribute("result") is "Failure" or "Error" && !suite.Descendants("test-case").Any(c => (string?)c.Attribute("result") is "Failure" or "Error"))
                {
                    failures.Add($"  block {(string?)suite.Attribute("name")}: {suite.Element("failure")?.Element("message")?.Value.Trim()}");
                }
            }

            return new PesterResult(total, passed, skipped, failures,
                string.Create(CultureInfo.InvariantCulture, $"Pester: {passed} passed, {failures.Count} failed, {skipped} skipped of {total}\n{lines}"));
        }
    }
}
