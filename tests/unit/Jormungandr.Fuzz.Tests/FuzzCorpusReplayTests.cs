using Jormungandr.Fuzz;

namespace Jormungandr.Tests;

/// <summary>
/// Every fuzz target replays its checked-in corpus and regression inputs (tests/fuzz/corpus/TARGET and
/// tests/fuzz/regressions/TARGET) through the same code afl++ runs: deterministic, and a fixed finding
/// that comes back fails here.
/// </summary>
public class FuzzCorpusReplayTests
{
    private static string FuzzDirectory => Path.Combine(TestPaths.RepositoryRoot, "tests", "fuzz");

    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (string name in FuzzTargets.All.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_passes_its_corpus_and_regression_inputs(string target)
    {
        string[] files = [.. Inputs("corpus", target), .. Inputs("regressions", target)];
        Assert.NotEmpty(Inputs("corpus", target));
        var failures = new List<string>();
        foreach (string file in files)
        {
            try
            {
                FuzzTargets.All[target](File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                failures.Add($"{Path.GetRelativePath(FuzzDirectory, file)}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Length} inputs failed:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Every_corpus_and_regression_folder_belongs_to_a_target()
    {
        foreach (string kind in new[] { "corpus", "regressions" })
        {
            string root = Path.Combine(FuzzDirectory, kind);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string dir in Directory.GetDirectories(root))
            {
                Assert.Contains(Path.GetFileName(dir), FuzzTargets.All.Keys);
            }
        }
    }

    [Fact]
    public void The_seed_generator_writes_what_is_checked_in()
    {
        // The corpus is generated, so a change in a message format shows up here rather than as stale seeds.
        string output = Path.Combine(Path.GetTempPath(), "jormungandr-seeds-" + Guid.NewGuid().ToString("N"));
        try
        {
            SeedCorpus.WriteAll(output);
            foreach (string target in FuzzTargets.All.Keys)
            {
                foreach (string file in Directory.EnumerateFiles(Path.Combine(output, target)))
                {
                    string checkedIn = Path.Combine(FuzzDirectory, "corpus", target, Path.GetFileName(file));
                    Assert.True(File.Exists(checkedIn), $"seed {target}/{Path.GetFileName(file)} is not checked in");
                    Assert.True(File.ReadAllBytes(checkedIn).AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"seed {target}/{Path.GetFileName(file)} differs from the generator's");
                }
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static IEnumerable<string> Inputs(string kind, string target)
    {
        string dir = Path.Combine(FuzzDirectory, kind, target);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal) : [];
    }
}
