using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Jormungandr.Commands;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// Hidden <c>snek demo-helper send|receive</c>: a bounded TCP sender/receiver that hashes what it moves,
/// run inside the demo's (and the tests') namespaces. Prints one line: <c>bytes sha256 seconds</c>.
/// Only lab addresses (198.18/16, 198.19/16, fd00:5ec::/64) are accepted.
/// </summary>
internal static class DemoHelper
{
    /// <summary>Largest transfer.</summary>
    public const long MaxBytes = 1L << 30;

    public static Command Create()
    {
        Option<string> address = new("--address") { Required = true, Description = "send: where to connect; receive: where to listen." };
        Option<int> port = new("--port") { Required = true };
        Option<long> bytes = new("--bytes") { Required = true };
        Option<int> timeout = new("--timeout") { DefaultValueFactory = _ => 60, Description = "Seconds before giving up." };

        Command send = new("send", "Connect and send N deterministic pseudo-random bytes.") { address, port, bytes, timeout };
        send.SetAction((parse, ct) => RunAsync(false, parse.GetRequiredValue(address), parse.GetValue(port), parse.GetValue(bytes), parse.GetValue(timeout), ct));
        Command receive = new("receive", "Listen, accept one connection and read N bytes.") { address, port, bytes, timeout };
        receive.SetAction((parse, ct) => RunAsync(true, parse.GetRequiredValue(address), parse.GetValue(port), parse.GetValue(bytes), parse.GetValue(timeout), ct));
        return new Command("demo-helper", "Internal: TCP transfer endpoints for snek demo and the tests.") { Hidden = true, Subcommands = { send, receive } };
    }

    private static async Task<int> RunAsync(bool receive, string addressText, int port, long bytes, int timeoutSeconds, CancellationToken ct)
    {
        if (!IPAddress.TryParse(addressText, out IPAddress? address) || !Lab.LabAddressPolicy.IsAllowed(address))
        {
            throw new SnekException("DemoAddress", ErrorKind.InvalidArgument, $"demo-helper only talks to lab addresses ({Lab.LabAddressPolicy.AllowedRanges}).", addressText);
        }

        if (bytes is < 1 or > MaxBytes || port is < 1 or > 65535 || timeoutSeconds is < 1 or > 600)
        {
            throw new SnekException("DemoArguments", ErrorKind.InvalidArgument, "bytes 1..1 GiB, port 1..65535, timeout 1..600 s.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            (string hash, double seconds) = receive
                ? await ReceiveAsync(address, port, bytes, deadline.Token).ConfigureAwait(false)
                : await SendAsync(address, port, bytes, deadline.Token).ConfigureAwait(false);
            await CliContext.Current.Stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{bytes} {hash} {seconds:F3}")).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SnekException("DemoTimeout", ErrorKind.OperationTimeout, $"Transfer did not finish within {timeoutSeconds} s.");
        }
        catch (SocketException e)
        {
            throw new SnekException("DemoNetwork", ErrorKind.ConnectionError, e.Message, addressText, e);
        }
    }

    private static async Task<(string, double)> SendAsync(IPAddress address, int port, long bytes, CancellationToken ct)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // The receiver may start a moment later: retry the connect for a few seconds.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct).ConfigureAwait(false);
                break;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[64 * 1024];
        var rng = new Random(20260521); // deterministic content: both sides can be checked against each other
        var clock = Stopwatch.StartNew();
        long left = bytes;
        while (left > 0)
        {
            int n = (int)Math.Min(buffer.Length, left);
            rng.NextBytes(buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct).ConfigureAwait(false);
            left -= n;
        }

        socket.Shutdown(SocketShutdown.Send);
        // Wait for the receiver to close: the bytes have then arrived, so the time is end to end.
        await socket.ReceiveAsync(buffer.AsMemory(0, 1), SocketFlags.None, ct).ConfigureAwait(false);
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), clock.Elapsed.TotalSeconds);
    }

    private static async Task<(string, double)> ReceiveAsync(IPAddress address, int port, long bytes, CancellationToken ct)
    {
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(address, port));
        listener.Listen(1);
        await CliContext.Current.Stdout.WriteLineAsync("listening").ConfigureAwait(false);
        await CliContext.Current.Stdout.FlushAsync(ct).ConfigureAwait(false);
        using Socket peer = await listener.AcceptAsync(ct).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[64 * 1024];
        var clock = Stopwatch.StartNew();
        long got = 0;
        while (got < bytes)
        {
            int n = await peer.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - got)), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SnekException("DemoShortTransfer", ErrorKind.ConnectionError, $"The sender closed after {got} of {bytes} bytes.");
            }

            hash.AppendData(buffer, 0, n);
            got += n;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), clock.Elapsed.TotalSeconds);
    }
}
