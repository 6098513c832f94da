using System.Management.Automation;
using System.Security.Cryptography;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// Turns command-layer failures into PowerShell ErrorRecords: the ErrorId stays stable (scripts match
/// on it), the ErrorKind becomes the ErrorCategory, and the target object travels along.
/// </summary>
internal static class ErrorRecords
{
    /// <summary>The ErrorCategory PowerShell users expect for a kind of failure.</summary>
    public static ErrorCategory CategoryFor(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.ProtocolError => ErrorCategory.ProtocolError,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>
    /// Describes any exception a command let escape. SnekException keeps its own id and kind; the
    /// few framework exceptions a command may leak get stable ids of their own.
    /// </summary>
    public static CommandError Describe(Exception exception, object? target = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            SnekException snek => snek.Target is null && target is not null ? snek.ToCommandError() with { Target = target } : snek.ToCommandError(),
            OperationCanceledException => new CommandError("OperationStopped", ErrorKind.OperationStopped, "The operation was stopped.", target, exception),
            UnauthorizedAccessException => new CommandError("PermissionDenied", ErrorKind.PermissionDenied, exception.Message, target, exception),
            FileNotFoundException or DirectoryNotFoundException => new CommandError("PathNotFound", ErrorKind.ObjectNotFound, exception.Message, target, exception),
            ArgumentException => new CommandError("InvalidArgument", ErrorKind.InvalidArgument, exception.Message, target, exception),
            CryptographicException => new CommandError("CryptographicFailure", ErrorKind.SecurityError, exception.Message, target, exception),
            TimeoutException => new CommandError("OperationTimeout", ErrorKind.OperationTimeout, exception.Message, target, exception),
            System.Net.Sockets.SocketException => new CommandError("ConnectionFailed", ErrorKind.ConnectionError, exception.Message, target, exception),
            IOException => new CommandError("IOError", ErrorKind.NotSpecified, exception.Message, target, exception),
            _ => new CommandError("UnexpectedError", ErrorKind.NotSpecified, exception.Message, target, exception),
        };
    }

    /// <summary>
    /// The exception an ErrorRecord carries: always a SnekException whose message is the readable line,
    /// so <c>$_.Exception.Message</c> and <c>$_.Exception.ErrorId</c> read the same in every cmdlet.
    /// </summary>
    public static SnekException ExceptionFor(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Exception is SnekException snek && snek.ErrorId == error.ErrorId
            ? snek
            : new SnekException(error.ErrorId, error.Kind, error.Message, error.Target, error.Exception);
    }

    /// <summary>The ErrorRecord for a command error (WriteError, ThrowTerminatingError, a job's Error stream).</summary>
    public static ErrorRecord Create(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ErrorRecord(ExceptionFor(error), error.ErrorId, CategoryFor(error.Kind), error.Target);
    }

    /// <summary>The ErrorRecord for an exception a command threw.</summary>
    public static ErrorRecord Create(Exception exception, object? target = null) => Create(Describe(exception, target));
}
