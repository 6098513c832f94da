using System.Net.Sockets;
using Jormungandr.Commands;

namespace Jormungandr.Engine;

/// <summary>Talks to running tunnels through their status sockets (what <c>snek show</c> and the cmdlets use).</summary>
internal static class StatusClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Socket paths of the tunnels in <paramref name="directory"/>, one tunnel or all, sorted.</summary>
    public static List<string> SocketPaths(string directory, string? interfaceName)
    {
        if (interfaceName is not null)
        {
            string one = StatusServer.PathFor(directory, interfaceName);
            if (!File.Exists(one))
            {
                throw new SnekException("TunnelNotFound", ErrorKind.ObjectNotFound, $"No tunnel {interfaceName} is running (no {one}).", interfaceName);
            }

            return [one];
        }

        if (!Directory.Exists(directory))
        {
            return [];
        }

        List<string> paths;
        try
        {
            paths = [.. Directory.GetFiles(directory, "*.sock")];
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SnekException("StatusAccessDenied", ErrorKind.PermissionDenied, $"Cannot read {directory}: tunnels' status sockets are root's (run with sudo).", directory, e);
        }

        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <summary>Sends one request and returns the response; throws SnekException (ConnectionError) when the tunnel does not answer.</summary>
    public static async Task<StatusResponse> QueryAsync(string path, StatusRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(StatusProtocol.Encode(request), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            byte[] line = await ReadLineAsync(socket, StatusProtocol.MaxResponseBytes, timeout.Token).ConfigureAwait(false)
                ?? throw new InvalidDataException("The tunnel closed the status connection without answering.");
            return StatusProtocol.ParseResponse(line);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SnekException("StatusTimeout", ErrorKind.OperationTimeout, $"The tunnel at {path} did not answer within {Timeout.TotalSeconds:0} s.", path);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new SnekException("StatusAccessDenied", ErrorKind.PermissionDenied, $"Permission denied on {path} (run with sudo).", path, e);
        }
        catch (SocketException e)
        {
            throw new SnekException("TunnelNotResponding", ErrorKind.ConnectionError, $"The tunnel at {path} is not running ({e.Message}).", path, e);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            throw new SnekException("BadStatusResponse", ErrorKind.ProtocolError, $"The tunnel at {path} answered garbage: {e.Message}", path, e);
        }
    }

    /// <summary>Reads bytes up to a newline (not included), at most <paramref name="max"/>; null when the peer closed first.</summary>
    public static async Task<byte[]?> ReadLineAsync(Socket socket, int max, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        byte[] chunk = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            int newline = Array.IndexOf(chunk, (byte)'\n', 0, n);
            int take = newline >= 0 ? newline : n;
            if (buffer.Length + take > max)
            {
                throw new InvalidDataException($"Status line longer than {max} bytes.");
            }

            buffer.Write(chunk, 0, take);
            if (newline >= 0)
            {
                return buffer.ToArray();
            }
        }
    }
}
