namespace Jormungandr.Commands;

/// <summary>
/// What went wrong, in terms both front ends understand: the cmdlets map it to PowerShell's
/// <c>ErrorCategory</c>, <c>snek</c> to an exit code (<see cref="ExitCodes.For(ErrorKind)"/>).
/// </summary>
public enum ErrorKind
{
    /// <summary>Unclassified failure.</summary>
    NotSpecified,
    /// <summary>A parameter value is wrong (ErrorCategory.InvalidArgument).</summary>
    InvalidArgument,
    /// <summary>Input data (a file, a message) is malformed (ErrorCategory.InvalidData).</summary>
    InvalidData,
    /// <summary>A named file, key, session or tunnel does not exist (ErrorCategory.ObjectNotFound).</summary>
    ObjectNotFound,
    /// <summary>The target exists and overwriting was not allowed (ErrorCategory.ResourceExists).</summary>
    ResourceExists,
    /// <summary>Not allowed: file permissions, not root (ErrorCategory.PermissionDenied).</summary>
    PermissionDenied,
    /// <summary>A peer's identity or a MAC did not check out (ErrorCategory.SecurityError).</summary>
    SecurityError,
    /// <summary>The network failed: refused, reset, unreachable (ErrorCategory.ConnectionError).</summary>
    ConnectionError,
    /// <summary>A deadline passed (ErrorCategory.OperationTimeout).</summary>
    OperationTimeout,
    /// <summary>The peer broke the protocol (ErrorCategory.ProtocolError).</summary>
    ProtocolError,
    /// <summary>The operation is not valid in the current state (ErrorCategory.InvalidOperation).</summary>
    InvalidOperation,
    /// <summary>Something needed is missing on this machine (ErrorCategory.ResourceUnavailable).</summary>
    ResourceUnavailable,
    /// <summary>The operation was cancelled by the user (ErrorCategory.OperationStopped).</summary>
    OperationStopped,
}
