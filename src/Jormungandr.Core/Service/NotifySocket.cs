using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>
/// The systemd notification socket named by <c>$NOTIFY_SOCKET</c>: an AF_UNIX datagram socket given as an
/// absolute path or, with a leading <c>@</c>, an abstract name. Each message is one datagram. Every failure
/// (bad address, message too long, nobody listening) is a <see cref="SnekException"/>, never a crash.
/// </summary>
public sealed class NotifySocket : IServiceNotifier, IDisposable
{
    /// <summary>The environment variable systemd sets for <c>Type=notify</c> services.</summary>
    public const string EnvironmentVariable = "NOTIFY_SOCKET";

    /// <summary>
    /// Largest message sent. systemd reads notifications into a buffer of about 4 KiB and drops
    /// longer ones silently, so they are refused here with an error instead.
    /// </summary>
    public const int MaxMessageBytes = 4096;

    // sockaddr_un.sun_path is 108 bytes: a path needs its terminating NUL, an abstract name does not.
    private const int MaxPathBytes = 107;
    private const int MaxAbstractBytes = 107;

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly Lock _gate = new();

    private NotifySocket(string address, UnixDomainSocketEndPoint endPoint)
    {
        Address = address;
        _endPoint = endPoint;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>The address as given (<c>/run/systemd/notify</c> or <c>@name</c>).</summary>
    public string Address { get; }

    /// <summary>The socket named by <c>$NOTIFY_SOCKET</c>; null when the variable is unset or empty (not run by systemd).</summary>
    public static NotifySocket? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrEmpty(value) ? null : Open(value);
    }

    /// <summary>Opens a notification socket for <paramref name="address"/>; SnekException (InvalidArgument) when it is not usable.</summary>
    public static NotifySocket Open(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        UnixDomainSocketEndPoint endPoint;
        if (address.StartsWith('@'))
        {
            int length = Encoding.UTF8.GetByteCount(address) - 1;
            if (length is 0 or > MaxAbstractBytes)
            {
                throw Bad(address, $"an abstract socket name must have 1 to {MaxAbstractBytes} bytes");
            }

            // .NET maps a leading NUL to Linux's abstract namespace.
            endPoint = new UnixDomainSocketEndPoint("\0" + address[1..]);
        }
        else if (address.StartsWith('/'))
        {
            if (Encoding.UTF8.GetByteCount(address) > MaxPathBytes || address.Contains('\0', StringComparison.Ordinal))
            {
                throw Bad(address, $"a socket path must have at most {MaxPathBytes} bytes and no NUL");
            }

            endPoint = new UnixDomainSocketEndPoint(address);
        }
        else
        {
            // systemd also hands out vsock: addresses to virtual machines; a VPN daemon does not run there.
            throw Bad(address, "only an absolute path or an @abstract name is supported");
        }

        try
        {
            return new NotifySocket(address, endPoint);
        }
        catch (SocketException e)
        {
            throw new SnekException("NotifySocketFailed", ErrorKind.ResourceUnavailable, $"Cannot create a socket for {EnvironmentVariable}={address}: {e.Message}", address, e);
        }
    }

    /// <inheritdoc />
    public void Send(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = Encoding.UTF8.GetByteCount(message);
        if (length == 0 || length > MaxMessageBytes)
        {
            throw new SnekException("NotifyMessageTooLong", ErrorKind.InvalidArgument, $"A service notification must have 1 to {MaxMessageBytes} bytes; this one has {length}.", Address);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(message);
        lock (_gate)
        {
            try
            {
                int sent = _socket.SendTo(bytes, SocketFlags.None, _endPoint);
                if (sent != bytes.Length)
                {
                    throw new SnekException("NotifySendFailed", ErrorKind.ConnectionError, $"Sent {sent} of {bytes.Length} bytes to {EnvironmentVariable}={Address}.", Address);
                }
            }
            catch (SocketException e)
            {
                throw new SnekException("NotifySendFailed", ErrorKind.ConnectionError, $"Cannot notify the service manager at {EnvironmentVariable}={Address}: {e.Message}", Address, e);
            }
            catch (ObjectDisposedException e)
            {
                throw new SnekException("NotifySendFailed", ErrorKind.InvalidOperation, "The notification socket is closed.", Address, e);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();

    private static SnekException Bad(string address, string why) =>
        new("NotifySocketInvalid", ErrorKind.InvalidArgument, $"{EnvironmentVariable}={address} is not usable: {why}.", address);
}
