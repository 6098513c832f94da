using System.Diagnostics;
using Jormungandr.Commands;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>Bounded runs: deadline kills the tree, output is capped, failures are readable.</summary>
public class LabProcessRunnerTests
{
    [RequiresProgramFact("sleep")]
    public void A_command_past_its_deadline_is_killed_and_reported()
    {
        var clock = Stopwatch.StartNew();
        ProcessResult result = ProcessRunner.Run("sleep", ["30"], TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        SnekException e = Assert.Throws<SnekException>(() => result.EnsureSuccess());
        Assert.Equal("LabCommandTimedOut", e.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, e.Kind);
    }

    [RequiresProgramFact("seq")]
    public void Output_beyond_the_cap_is_drained_and_discarded()
    {
        // seq prints ~1.3 MB; the child must not block on a full pipe, and we keep only 1000 chars.
        ProcessResult result = ProcessRunner.Run("seq", ["1", "200000"], TimeSpan.FromSeconds(20), maxOutputChars: 1000);
        Assert.True(result.Succeeded, result.StandardError);
        Assert.True(result.OutputTruncated);
        Assert.Equal(1000, result.StandardOutput.Length);
        Assert.StartsWith("1\n2\n3\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresProgramFact("ls")]
    public void A_failing_command_throws_with_its_exit_code_and_first_error_line()
    {
        ProcessResult result = ProcessRunner.Run("ls", ["/nonexistent-snek-path"]);
        Assert.False(result.Succeeded);
        Assert.NotEqual(0, result.ExitCode);
        SnekException e = Assert.Throws<SnekException>(() => result.EnsureSuccess());
        Assert.Equal("LabCommandFailed", e.ErrorId);
        Assert.Contains("nonexistent-snek-path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_program_is_a_clear_error()
    {
        SnekException e = Assert.Throws<SnekException>(() => ProcessRunner.Run("snek-no-such-program-xyz", []));
        Assert.Equal("LabProgramNotFound", e.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, e.Kind);
    }

    [RequiresProgramFact("echo")]
    public void Arguments_are_passed_verbatim_without_a_shell()
    {
        ProcessResult result = ProcessRunner.Run("echo", ["a b", "$HOME", "; rm -rf /"]).EnsureSuccess();
        Assert.Equal("a b $HOME ; rm -rf /\n", result.StandardOutput);
    }
}
