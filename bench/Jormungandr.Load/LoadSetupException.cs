namespace Jormungandr.Load;

/// <summary>The run could not be set up (server did not start, wrong namespace); the message says why.</summary>
internal sealed class LoadSetupException(string message) : Exception(message);
