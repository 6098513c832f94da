using Jormungandr.Commands;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// One rtnetlink request as a configuration step: open the socket, send, wait for the acknowledgement,
/// and turn any failure into one readable <see cref="SnekException"/> ("Cannot WHAT: errno text (kernel detail).").
/// Shared by <see cref="InterfaceConfig"/> and the policy routing of a full tunnel.
/// </summary>
internal static class RtNetlinkCall
{
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int ESRCH = 3;
    private const int EAGAIN = 11;
    private const int EACCES = 13;
    private const int EEXIST = 17;
    private const int ENODEV = 19;
    private const int EBADMSG = 74;

    public static RtNetlinkSocket Open(string what)
    {
        try
        {
            return RtNetlinkSocket.Open();
        }
        catch (RtNetlinkException e)
        {
            throw Failure(what, e.Errno, null, e);
        }
    }

    /// <summary>Sends one request and waits for its acknowledgement; an errno other than 0 or <paramref name="tolerated"/> throws.</summary>
    public static void Acknowledge(RtNetlinkSocket socket, byte[] request, uint sequence, string what, int tolerated = 0)
    {
        var ack = new RtNetlinkReply(sequence, dump: false);
        Exchange(socket, request, ack, what);
        if (ack.Errno != 0 && ack.Errno != tolerated)
        {
            throw Failure(what, ack.Errno, ack.Detail);
        }
    }

    public static void Exchange(RtNetlinkSocket socket, byte[] request, RtNetlinkReply reply, string what)
    {
        try
        {
            socket.Exchange(request, reply);
        }
        catch (RtNetlinkException e)
        {
            throw Failure(what, e.Errno, e.Message, e);
        }
    }

    /// <summary>One readable line: "Cannot add address 198.19.7.1/24 to interface snek0: File exists." plus the kernel's detail.</summary>
    public static SnekException Failure(string what, int errno, string? detail, Exception? inner = null)
    {
        string text = LibC.Describe(errno);
        if (!string.IsNullOrEmpty(detail) && !string.Equals(detail, text, StringComparison.OrdinalIgnoreCase))
        {
            text += " (" + detail.TrimEnd('.') + ")";
        }

        ErrorKind kind = errno switch
        {
            EEXIST => ErrorKind.ResourceExists,
            ENODEV or ENOENT or ESRCH => ErrorKind.ObjectNotFound,
            EPERM or EACCES => ErrorKind.PermissionDenied,
            EAGAIN => ErrorKind.OperationTimeout,
            EBADMSG => ErrorKind.ProtocolError,
            _ => ErrorKind.NotSpecified,
        };
        return new SnekException("InterfaceConfigFailed", kind, $"Cannot {what}: {text}.", null, inner);
    }

    /// <summary>Sends one request and returns the kernel's errno (0 = done) instead of throwing for it; socket failures still throw.</summary>
    public static int TryAcknowledge(RtNetlinkSocket socket, byte[] request, uint sequence, string what)
    {
        var ack = new RtNetlinkReply(sequence, dump: false);
        Exchange(socket, request, ack, what);
        return ack.Errno;
    }
}
