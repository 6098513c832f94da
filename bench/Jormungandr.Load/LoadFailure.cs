namespace Jormungandr.Load;

/// <summary>Why one connection attempt (or an established connection) ended.</summary>
internal sealed class LoadFailure(string reason, bool wasEstablished = false) : Exception(reason)
{
    public string Reason { get; } = reason;

    public bool WasEstablished { get; } = wasEstablished;
}
