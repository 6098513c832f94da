namespace Jormungandr.Commands;

/// <summary>A non-terminating error: the command reports it and goes on with the next item.</summary>
/// <param name="ErrorId">Stable identifier (PowerShell's FullyQualifiedErrorId).</param>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">One readable line.</param>
/// <param name="Target">The object the error concerns, if any.</param>
/// <param name="Exception">The underlying exception, if any.</param>
public sealed record CommandError(string ErrorId, ErrorKind Kind, string Message, object? Target = null, Exception? Exception = null);
