namespace Jormungandr.Commands;

/// <summary>
/// A terminating error from a command: one readable message, a stable identifier
/// (PowerShell's FullyQualifiedErrorId), a kind, and the object it concerns.
/// </summary>
public class SnekException : Exception
{
    /// <summary>Creates the error.</summary>
    public SnekException(string errorId, ErrorKind kind, string message, object? target = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Stable identifier, e.g. <c>CertificateExists</c>; scripts may match on it.</summary>
    public string ErrorId { get; }

    /// <summary>The kind of failure.</summary>
    public ErrorKind Kind { get; }

    /// <summary>The object the error concerns (a path, a fingerprint, an endpoint), if any.</summary>
    public object? Target { get; }

    /// <summary>The same information as a non-terminating <see cref="CommandError"/>.</summary>
    public CommandError ToCommandError() => new(ErrorId, Kind, Message, Target, this);
}
