using System.Diagnostics;
using Jormungandr.Commands;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.Tests;

/// <summary>
/// The lifecycle under every SnekJob (-AsJob), over fake long-running commands: the runner SnekJob
/// delegates to, tested deterministically here; the job itself is driven through a real engine by the
/// Pester suite (tests/pester).
/// </summary>
public class CommandRunnerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Like a tunnel: writes an event every few milliseconds until cancelled, then cleans up.</summary>
    private sealed class FakeTunnelCommand : ISnekCommand<string>
    {
        public volatile bool TornDown;
        public readonly ManualResetEventSlim Running = new();

        public async Task ExecuteAsync(string options, ICommandOutput output, CancellationToken cancellationToken)
        {
            output.WriteObject($"{options}: Listening");
            Running.Set();
            try
            {
                for (int i = 0; i < 100_000; i++)
                {
                    await Task.Delay(5, cancellationToken);
                    output.WriteObject($"{options}: tick {i}");
                }
            }
            finally
            {
                output.WriteObject($"{options}: Stopped");
                TornDown = true;
            }
        }
    }

    private static List<CommandRunState> Track(CommandRunner runner)
    {
        List<CommandRunState> states = [];
        runner.StateChanged += s => { lock (states) { states.Add(s); } };
        return states;
    }

    [Fact]
    public async Task A_command_that_finishes_goes_NotStarted_Running_Completed_with_its_output()
    {
        BufferedOutput output = new();
        using CommandRunner runner = new((o, _) => { o.WriteObject(1); o.WriteObject(2); return Task.CompletedTask; }, output);
        List<CommandRunState> states = Track(runner);
        Assert.Equal(CommandRunState.NotStarted, runner.State);

        runner.Start();
        await runner.Finished.WaitAsync(Bound);

        Assert.Equal(CommandRunState.Completed, runner.State);
        Assert.Equal([CommandRunState.Running, CommandRunState.Completed], states);
        Assert.Equal([1, 2], output.Objects);
        Assert.Null(runner.Failure);
    }

    [Fact]
    public async Task Stop_cancels_a_long_running_command_within_a_bounded_time()
    {
        BufferedOutput output = new();
        FakeTunnelCommand tunnel = new();
        using CommandRunner runner = new((o, ct) => tunnel.ExecuteAsync("snk9", o, ct), output);
        List<CommandRunState> states = Track(runner);
        runner.Start();
        Assert.True(tunnel.Running.Wait(Bound));
        await Task.Delay(30);

        Stopwatch clock = Stopwatch.StartNew();
        await runner.StopAsync().WaitAsync(Bound);
        clock.Stop();

        Assert.Equal(CommandRunState.Stopped, runner.State);
        Assert.True(tunnel.TornDown, "the command's cleanup did not run");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
        Assert.Equal([CommandRunState.Running, CommandRunState.Stopping, CommandRunState.Stopped], states);
        Assert.Equal("snk9: Listening", output.Objects[0]);
        Assert.Equal("snk9: Stopped", output.Objects[^1]);
        Assert.Empty(output.Errors); // a requested stop is not a failure
    }

    [Fact]
    public void Synchronous_Stop_waits_until_the_command_is_down()
    {
        FakeTunnelCommand tunnel = new();
        using CommandRunner runner = new((o, ct) => tunnel.ExecuteAsync("snk8", o, ct), new BufferedOutput());
        runner.Start();
        Assert.True(tunnel.Running.Wait(Bound));
        runner.Stop();
        Assert.True(tunnel.TornDown);
        Assert.Equal(CommandRunState.Stopped, runner.State);
    }

    [Fact]
    public async Task A_terminating_SnekException_fails_the_run_and_lands_in_the_error_stream()
    {
        BufferedOutput output = new();
        using CommandRunner runner = new((o, _) =>
        {
            o.WriteObject("before");
            throw new SnekException("LegacyListenFailed", ErrorKind.ConnectionError, "Port 4600 is in use.", 4600);
        }, output);
        runner.Start();
        await runner.Finished.WaitAsync(Bound);

        Assert.Equal(CommandRunState.Failed, runner.State);
        CommandError error = Assert.Single(output.Errors);
        Assert.Equal("LegacyListenFailed", error.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, error.Kind);
        Assert.Equal(4600, error.Target);
        Assert.Equal(error, runner.Failure);
        Assert.Equal(["before"], output.Objects);
    }

    [Fact]
    public async Task An_unexpected_exception_fails_the_run_with_a_stable_id()
    {
        BufferedOutput output = new();
        using CommandRunner runner = new(async (_, ct) =>
        {
            await Task.Yield();
            throw new UnauthorizedAccessException("/dev/net/tun: permission denied");
        }, output);
        runner.Start();
        await runner.Finished.WaitAsync(Bound);

        Assert.Equal(CommandRunState.Failed, runner.State);
        Assert.Equal("PermissionDenied", Assert.Single(output.Errors).ErrorId);
    }

    [Fact]
    public async Task A_command_that_ignores_cancellation_is_abandoned_after_the_stop_timeout()
    {
        BufferedOutput output = new();
        using ManualResetEventSlim release = new();
        using CommandRunner runner = new((_, _) => Task.Run(() => release.Wait(TimeSpan.FromSeconds(30))), output, stopTimeout: TimeSpan.FromMilliseconds(200));
        runner.Start();

        Stopwatch clock = Stopwatch.StartNew();
        await runner.StopAsync().WaitAsync(Bound);

        Assert.Equal(CommandRunState.Stopped, runner.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains(output.Warnings, w => w.Contains("did not stop", StringComparison.Ordinal));
        release.Set();
    }

    [Fact]
    public async Task Stopping_a_job_that_never_started_and_starting_twice()
    {
        using CommandRunner idle = new((_, _) => Task.CompletedTask, new BufferedOutput());
        await idle.StopAsync();
        Assert.Equal(CommandRunState.Stopped, idle.State);
        Assert.True(idle.Finished.IsCompleted);

        using CommandRunner once = new((_, ct) => Task.Delay(Timeout.Infinite, ct), new BufferedOutput());
        once.Start();
        Assert.Throws<InvalidOperationException>(once.Start);
        await once.StopAsync().WaitAsync(Bound);
        Assert.Equal(CommandRunState.Stopped, once.State);
    }

    [Fact]
    public async Task Stop_after_completion_changes_nothing()
    {
        BufferedOutput output = new();
        using CommandRunner runner = new((o, _) => Task.CompletedTask, output);
        List<CommandRunState> states = Track(runner);
        runner.Start();
        await runner.Finished.WaitAsync(Bound);
        await runner.StopAsync();
        Assert.Equal(CommandRunState.Completed, runner.State);
        Assert.Equal([CommandRunState.Running, CommandRunState.Completed], states);
    }

    [Fact]
    public void Disposing_a_running_job_cancels_its_command()
    {
        FakeTunnelCommand tunnel = new();
        CommandRunner runner = new((o, ct) => tunnel.ExecuteAsync("snk7", o, ct), new BufferedOutput());
        runner.Start();
        Assert.True(tunnel.Running.Wait(Bound));
        runner.Dispose(); // Remove-Job -Force on a running job ends up here
        SpinWait.SpinUntil(() => tunnel.TornDown, Bound);
        Assert.True(tunnel.TornDown);
    }
}
