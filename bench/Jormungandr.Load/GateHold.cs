namespace Jormungandr.Load;

/// <summary>One slot of a semaphore, released at most once.</summary>
internal sealed class GateHold(SemaphoreSlim gate)
{
    private int _released;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            gate.Release();
        }
    }
}
