using System.Net.Sockets;
using Jormungandr.Commands;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// Serves a running tunnel's status socket (<c>&lt;dir&gt;/&lt;ifname&gt;.sock</c>, mode 0600 in a
/// 0700 directory): one line-delimited JSON request per connection (<see cref="StatusProtocol"/>).
/// Removes the socket file on dispose. Refuses to start when a live tunnel already owns the name.
/// </summary>
internal sealed class StatusServer : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private readonly Socket _listener;
    private readonly ITunnelControl _control;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private StatusServer(Socket listener, string path, ITunnelControl control, ILogger logger)
    {
        _listener = listener;
        Path = path;
        _control = control;
        _logger = logger;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Full path of the socket file.</summary>
    public string Path { get; }

    /// <summary>The socket path of a tunnel.</summary>
    public static string PathFor(string directory, string interfaceName) => System.IO.Path.Combine(directory, interfaceName + ".sock");

    /// <summary>True when a tunnel answers on that socket path (a stale file does not count).</summary>
    public static bool IsLive(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Creates the directory (0700) and the socket (0600) and starts answering.</summary>
    public static StatusServer Start(string directory, ITunnelControl control, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SnekException("NeedsLinux", ErrorKind.ResourceUnavailable, "Tunnels run on Linux only.");
        }

        string path = PathFor(directory, control.InterfaceName);
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("StatusDirectoryFailed", ErrorKind.PermissionDenied, $"Cannot create {directory}: {e.Message}", directory, e);
        }

        // CreateDirectory keeps an existing directory's mode; the socket is only private inside a private directory
        // (it is bound with the umask's mode before the chmod below, and others could replace it in a writable one).
        UnixFileMode mode = File.GetUnixFileMode(directory);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
        {
            throw new SnekException("StatusDirectoryInsecure", ErrorKind.PermissionDenied,
                $"{directory} is open to other users (mode {Convert.ToString((int)mode & 0x1FF, 8)}); the status socket needs a private directory: chmod 700 {directory}.", directory);
        }

        if (IsLive(path))
        {
            throw new SnekException("TunnelRunning", ErrorKind.ResourceExists, $"A tunnel already answers on {path}.", path);
        }

        File.Delete(path); // a stale file left by a crash
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new SnekException("StatusSocketFailed", ErrorKind.PermissionDenied, $"Cannot create status socket {path}: {e.Message}", path, e);
        }

        return new StatusServer(listener, path, control, logger);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                byte[]? line;
                try
                {
                    line = await StatusClient.ReadLineAsync(client, StatusProtocol.MaxRequestBytes, timeout.Token).ConfigureAwait(false);
                }
                catch (InvalidDataException)
                {
                    line = null; // longer than a request may be: answered as malformed, not left as an unobserved task fault
                }

                StatusRequest? request = line is null ? null : StatusProtocol.ParseRequest(line);
                StatusResponse response = request is null
                    ? new StatusResponse { Ok = false, ErrorId = "BadStatusRequest", Error = "Malformed status request." }
                    : Handle(request);
                response.InterfaceName = _control.InterfaceName;
                await client.SendAsync(StatusProtocol.Encode(response), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (request?.Op == StatusProtocol.OpStop)
                {
                    _control.RequestStop();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                _logger.LogDebug("Status connection ended early: {Reason}", e.Message);
            }
        }
    }

    private StatusResponse Handle(StatusRequest request)
    {
        switch (request.Op)
        {
            case StatusProtocol.OpStatus:
                return new StatusResponse { Ok = true, Sessions = _control.Snapshot(), Server = _control.ServerStatus() };
            case StatusProtocol.OpDisconnect:
                return _control.Disconnect(request.Fingerprint!)
                    ? new StatusResponse { Ok = true }
                    : new StatusResponse { Ok = false, ErrorId = "SessionNotFound", Error = $"No session with peer {request.Fingerprint}." };
            case StatusProtocol.OpRebind:
                return _control is IRoamingTunnel roaming && roaming.Rebind()
                    ? new StatusResponse { Ok = true }
                    : new StatusResponse { Ok = false, ErrorId = "RebindNotSupported", Error = "Only a client can move its data channel." };
            default:
                _logger.LogInformation("Stop requested through the status socket");
                return new StatusResponse { Ok = true };
        }
    }

    /// <summary>Stops answering and removes the socket file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }

        _acceptLoop.Wait(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
