namespace Jormungandr.Engine.Linux;

/// <summary>A netlink exchange failed: <see cref="Errno"/> is the kernel's (or the socket's) error number.</summary>
internal sealed class RtNetlinkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RtNetlinkException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>Creates the exception without an errno (EIO).</summary>
    public RtNetlinkException()
        : this(5, "netlink failure")
    {
    }

    /// <summary>Creates the exception without an errno (EIO).</summary>
    public RtNetlinkException(string message)
        : this(5, message)
    {
    }

    /// <summary>Creates the exception without an errno (EIO).</summary>
    public RtNetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errno = 5;
    }

    /// <summary>The positive errno, e.g. 17 (EEXIST).</summary>
    public int Errno { get; }
}
