using System.Collections.Concurrent;

namespace Jormungandr.Crypto;

/// <summary>
/// Ephemeral P-384 keys generated ahead, off a handshake's critical path: a bounded queue refilled by
/// one background worker whenever it drops below half. Each key is handed out once and freed by its
/// user; when the queue is empty (a burst of handshakes) the key is generated inline instead. The
/// refill costs the same CPU as inline generation; what it removes is the wait.
/// </summary>
internal sealed class P384KeyPool
{
    private readonly ConcurrentQueue<P384Key> _keys = new();
    private readonly Func<P384Key> _generate;
    private int _count;
    private int _refilling;

    /// <summary>Creates an empty pool; it fills on first use.</summary>
    /// <param name="capacity">Most keys held.</param>
    /// <param name="generate">Makes one key (OpenSSL in production).</param>
    public P384KeyPool(int capacity, Func<P384Key> generate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 0);
        Capacity = capacity;
        _generate = generate;
    }

    /// <summary>The shared pool of the process's hybrid encapsulations.</summary>
    public static P384KeyPool Shared { get; } = new(32, OpenSslP384.Generate);

    /// <summary>Most keys held.</summary>
    public int Capacity { get; }

    /// <summary>Keys ready now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A key never handed out before (the caller disposes it); generated inline when none is ready.</summary>
    public P384Key Take()
    {
        P384Key? key = _keys.TryDequeue(out P384Key? ready) ? ready : null;
        if (key is not null)
        {
            Interlocked.Decrement(ref _count);
        }

        if (Count <= Capacity / 2 && Capacity > 0 && Interlocked.CompareExchange(ref _refilling, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static pool => pool.Refill(), this, preferLocal: false);
        }

        return key ?? _generate();
    }

    // Fills the queue up to Capacity. A Take that found the flag still set just before it was cleared
    // scheduled nothing, so the worker looks again after clearing it: the pool never stays at half or
    // below after a Take.
    private void Refill()
    {
        do
        {
            try
            {
                while (Count < Capacity)
                {
                    _keys.Enqueue(_generate());
                    Interlocked.Increment(ref _count);
                }
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Take falls back to inline generation, which reports the error to its caller.
                return;
            }
            finally
            {
                Volatile.Write(ref _refilling, 0);
            }
        }
        while (Count <= Capacity / 2 && Interlocked.CompareExchange(ref _refilling, 1, 0) == 0);
    }
}
