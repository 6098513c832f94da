using System.Net;
using System.Security;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Legacy;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.Tests;

/// <summary>
/// What the cmdlets do, through the same paths they use, with the real command classes: the foreground
/// path (worker task + PipelinePump + CmdletOutput, as SnekCmdlet.Run) and the job path (CommandRunner,
/// as SnekJob). The sink stands in for the cmdlet's Write*/ShouldProcess (-WhatIf answers no).
/// </summary>
public sealed class CommandLayerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "jormungandr-cmdlets-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>Runs a command the way SnekCmdlet.Run does and returns what reached the pipeline, or the terminating error.</summary>
    private static (BufferedOutput Pipeline, CommandError? Terminating) RunForeground<T>(ISnekCommand<T> command, T options, Func<string, string, bool>? shouldProcess = null)
    {
        BufferedOutput pipeline = new(shouldProcess);
        using PipelinePump pump = new();
        CmdletOutput output = new(pump, pipeline);
        Task work = Task.Run(() => command.ExecuteAsync(options, output, CancellationToken.None));
        pump.Run(work);
        Exception? failure = work.Exception?.GetBaseException();
        return (pipeline, failure is null ? null : ErrorRecords.Describe(failure));
    }

    [Fact]
    public void New_SnekCertificate_WhatIf_creates_nothing()
    {
        (BufferedOutput pipeline, CommandError? error) = RunForeground(new NewCertificateCommand(), new NewCertificateOptions { Path = _dir, Name = "whatif" }, (_, _) => false);
        Assert.Null(error);
        Assert.Empty(pipeline.Objects);
        (string target, string action) = Assert.Single(pipeline.ShouldProcessCalls);
        Assert.Contains("whatif.priv", target, StringComparison.Ordinal);
        Assert.Equal(NewCertificateCommand.Action, action);
        Assert.False(Directory.Exists(_dir) && Directory.EnumerateFileSystemEntries(_dir).Any());
    }

    [Fact]
    public void New_then_Get_SnekCertificate_round_trip_and_overwrite_needs_Force()
    {
        using SecureString pass = new NetworkCredential("", "correct horse").SecurePassword;
        (BufferedOutput created, CommandError? error) = RunForeground(new NewCertificateCommand(), new NewCertificateOptions { Path = _dir, Name = "laptop", Passphrase = pass });
        Assert.Null(error);
        SnekCertificate made = Assert.Single(created.ObjectsOf<SnekCertificate>());
        Assert.True(made.Protected);
        Assert.StartsWith("SHA256:", made.Fingerprint, StringComparison.Ordinal);
        Assert.Contains(created.Progress, p => p.Completed); // Write-Progress while the passphrase is stretched ends cleanly

        (BufferedOutput read, CommandError? readError) = RunForeground(new GetCertificateCommand(), new GetCertificateOptions { Path = Path.Combine(_dir, "laptop.pub") });
        Assert.Null(readError);
        SnekCertificate back = Assert.Single(read.ObjectsOf<SnekCertificate>());
        Assert.Equal(made.Fingerprint, back.Fingerprint);
        Assert.Equal(made.ShortFingerprint, back.ShortFingerprint);

        (_, CommandError? again) = RunForeground(new NewCertificateCommand(), new NewCertificateOptions { Path = _dir, Name = "laptop" });
        Assert.NotNull(again);
        Assert.Equal(CertificateErrorIds.Exists, again!.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, ErrorRecords.CategoryFor(again.Kind));
    }

    [Fact]
    public void Get_SnekCertificate_of_a_missing_path_is_ObjectNotFound()
    {
        (BufferedOutput pipeline, CommandError? error) = RunForeground(new GetCertificateCommand(), new GetCertificateOptions { Path = Path.Combine(_dir, "nope.pub") });
        Assert.Empty(pipeline.Objects);
        Assert.NotNull(error);
        Assert.Equal(CertificateErrorIds.NotFound, error!.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, ErrorRecords.CategoryFor(error.Kind));
    }

    [Fact]
    public async Task Invoke_LegacyEcho_against_Start_LegacyEchoServer_running_as_a_job()
    {
        // Start-LegacyEchoServer -Port 0 -Bind 127.0.0.1 -AsJob: the job path.
        LegacyEchoServerCommand server = new();
        TaskCompletionSource<IPEndPoint> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Listening += ep => listening.TrySetResult(ep);
        BufferedOutput jobStreams = new();
        using CommandRunner job = new((o, ct) => server.ExecuteAsync(new LegacyEchoServerOptions { Port = 0, Bind = "127.0.0.1" }, o, ct), jobStreams);
        job.Start();
        try
        {
            IPEndPoint endpoint = await listening.Task.WaitAsync(Bound);
            Assert.Equal(CommandRunState.Running, job.State);

            // 'hello','world' | Invoke-LegacyEcho -ComputerName 127.0.0.1 -Port <port>: the foreground path.
            (BufferedOutput pipeline, CommandError? error) = RunForeground(new LegacyEchoClientCommand(), new LegacyEchoClientOptions
            {
                ComputerName = "127.0.0.1",
                Port = endpoint.Port,
                Messages = ["hello", "world"],
            });
            Assert.Null(error);
            IReadOnlyList<LegacyEchoReply> replies = pipeline.ObjectsOf<LegacyEchoReply>();
            Assert.Equal(["hello", "world"], replies.Select(r => r.Message));
            Assert.Contains("olleh", replies[0].Reply, StringComparison.Ordinal);
            Assert.Contains("dlrow", replies[1].Reply, StringComparison.Ordinal);
            Assert.All(replies, r => Assert.Equal($"127.0.0.1:{endpoint.Port}", r.Server));
        }
        finally
        {
            await job.StopAsync().WaitAsync(Bound); // Stop-Job
        }

        Assert.Equal(CommandRunState.Stopped, job.State);
        // Receive-Job: the server's messages, in order.
        Assert.Equal(["hello", "world"], jobStreams.ObjectsOf<LegacyEchoMessage>().Select(m => m.Text));
    }

    [Fact]
    public async Task Start_LegacyEchoServer_on_a_taken_port_fails_the_job_with_ConnectionError()
    {
        using System.Net.Sockets.TcpListener taken = new(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        BufferedOutput jobStreams = new();
        using CommandRunner job = new((o, ct) => new LegacyEchoServerCommand().ExecuteAsync(new LegacyEchoServerOptions { Port = port, Bind = "127.0.0.1" }, o, ct), jobStreams);
        job.Start();
        await job.Finished.WaitAsync(Bound);
        Assert.Equal(CommandRunState.Failed, job.State);
        CommandError error = Assert.Single(jobStreams.Errors);
        Assert.Equal("LegacyListenFailed", error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, ErrorRecords.CategoryFor(error.Kind));
    }
}
