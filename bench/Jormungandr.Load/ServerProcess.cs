using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine;
using Jormungandr.Lab;
using Jormungandr.Tunnel;
using Jormungandr.Interop;

namespace Jormungandr.Load;

/// <summary>
/// The real <c>snek server</c> as a child process in this (lab) namespace, its output appended to a log
/// file. Stopped by its own PID only: SIGTERM then SIGKILL on <see cref="Dispose"/>, SIGKILL on <see cref="Kill"/>.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private const long MaxLogBytes = 64L * 1024 * 1024;
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private long _logged;

    private ServerProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ServerProcess Start(IReadOnlyList<string> command, string logPath)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in command.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("The server did not start.");
        }
        catch
        {
            log.Dispose();
            throw;
        }

        var server = new ServerProcess(process, log);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until the key port accepts a connection (polled every 50 ms), or the server exits, or the timeout.</summary>
    public async Task<bool> WaitListeningAsync(IPEndPoint keyPort, string statusSocket, TimeSpan timeout, CancellationToken stop)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && !_process.HasExited)
        {
            if (File.Exists(statusSocket))
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await probe.ConnectAsync(keyPort, stop).ConfigureAwait(false);
                    return true;
                }
                catch (SocketException)
                {
                }
            }

            await Task.Delay(50, stop).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>The server's handshake counters and session count from its status socket; null when it does not answer.</summary>
    public static async Task<SnekServerStatus?> StatusAsync(string statusSocket, CancellationToken stop)
    {
        try
        {
            StatusResponse r = await StatusClient.QueryAsync(statusSocket, new StatusRequest { Op = StatusProtocol.OpStatus }, stop).ConfigureAwait(false);
            return r.Server;
        }
        catch (Commands.SnekException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, as a crash or power loss would; waits (bounded) until it is gone.</summary>
    public void Kill()
    {
        _ = LibC.Kill(_process.Id, LibC.SigKill);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM (the server removes its interface and saves leases), SIGKILL after 10 s.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _ = LibC.Kill(_process.Id, LibC.SigTerm);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                Kill();
            }
        }

        _process.WaitForExit(TimeSpan.FromSeconds(2));
        _process.Dispose();
        lock (_logGate)
        {
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            if (_logged < MaxLogBytes)
            {
                _logged += line.Length + 1;
                try
                {
                    _log.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }
}
