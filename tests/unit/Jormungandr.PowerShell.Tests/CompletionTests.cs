using Jormungandr.PowerShell.Completion;

namespace Jormungandr.Tests;

/// <summary>Argument completion candidates (the CompletionResult objects themselves need PowerShell).</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "jormungandr-completion-" + Guid.NewGuid().ToString("N"));

    public CompletionTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Interface_names_come_from_snk_interfaces_and_status_sockets()
    {
        string net = Directory.CreateDirectory(Path.Combine(_root, "net")).FullName;
        string run = Directory.CreateDirectory(Path.Combine(_root, "run")).FullName;
        foreach (string name in (string[])["lo", "eth0", "snk0", "snk2"])
        {
            Directory.CreateDirectory(Path.Combine(net, name));
        }

        File.WriteAllText(Path.Combine(run, "snk2.sock"), "");
        File.WriteAllText(Path.Combine(run, "lab7.sock"), "");
        File.WriteAllText(Path.Combine(run, "notes.txt"), "");

        Assert.Equal(["lab7", "snk0", "snk2"], InterfaceNames.Find(net, run));
    }

    [Fact]
    public void Missing_folders_give_no_names_instead_of_an_error()
    {
        Assert.Empty(InterfaceNames.Find(Path.Combine(_root, "absent1"), Path.Combine(_root, "absent2")));
    }

    [Theory]
    [InlineData("", new[] { "snk0", "snk1", "lab0" })]
    [InlineData("snk", new[] { "snk0", "snk1" })]
    [InlineData("SNK1", new[] { "snk1" })]
    [InlineData("'snk0", new[] { "snk0" })]
    [InlineData("x", new string[0])]
    public void Completion_filters_by_prefix_case_insensitively(string word, string[] expected)
    {
        Assert.Equal(expected, CompletionMatch.Filter(["snk0", "snk1", "lab0", "snk0"], word));
    }

    [Theory]
    [InlineData("snk0", "snk0")]
    [InlineData("SHA256:abc+/def", "SHA256:abc+/def")]
    [InlineData("3fa2:9c01:7d4e:b210", "3fa2:9c01:7d4e:b210")]
    [InlineData("has space", "'has space'")]
    [InlineData("it's", "'it''s'")]
    public void Completions_are_quoted_only_when_PowerShell_would_split_them(string value, string expected)
    {
        Assert.Equal(expected, CompletionMatch.Quote(value));
    }

    [Fact]
    public void Fingerprint_completion_with_no_running_tunnel_is_empty_and_quick()
    {
        DateTime start = DateTime.UtcNow;
        Assert.Empty(FingerprintCompleter.Sessions(null, Path.Combine(_root, "no-status-sockets")));
        Assert.True(DateTime.UtcNow - start < FingerprintCompleter.Timeout + TimeSpan.FromSeconds(3));
    }
}
