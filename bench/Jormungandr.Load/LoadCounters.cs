namespace Jormungandr.Load;

/// <summary>What all clients did, counted thread-safely: attempts, establishments with their handshake times, failures by reason, rekeys, replies.</summary>
internal sealed class LoadCounters
{
    private const int MaxSamples = 1_000_000;
    private const int MaxReasons = 64;
    private readonly Lock _gate = new();
    private readonly List<double> _handshakeSeconds = [];
    private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);
    private long _attempts;
    private long _established;
    private long _rekeys;
    private long _replies;
    private long _lost;

    public long Attempts => Interlocked.Read(ref _attempts);

    public long Establishments => Interlocked.Read(ref _established);

    public long Rekeys => Interlocked.Read(ref _rekeys);

    public long Replies => Interlocked.Read(ref _replies);

    /// <summary>Established sessions that ended (server gone, key channel closed); not failed attempts.</summary>
    public long Losses => Interlocked.Read(ref _lost);

    public void Attempt() => Interlocked.Increment(ref _attempts);

    public void Lost() => Interlocked.Increment(ref _lost);

    public void Rekeyed() => Interlocked.Increment(ref _rekeys);

    public void Reply() => Interlocked.Increment(ref _replies);

    public void Established(TimeSpan handshake)
    {
        Interlocked.Increment(ref _established);
        lock (_gate)
        {
            if (_handshakeSeconds.Count < MaxSamples)
            {
                _handshakeSeconds.Add(handshake.TotalSeconds);
            }
        }
    }

    public void Fail(string reason)
    {
        lock (_gate)
        {
            if (_failures.ContainsKey(reason) || _failures.Count < MaxReasons)
            {
                _failures[reason] = _failures.GetValueOrDefault(reason) + 1;
            }
            else
            {
                _failures["other"] = _failures.GetValueOrDefault("other") + 1;
            }
        }
    }

    /// <summary>Handshake times and failures since the previous call (a phase's own figures); starts afresh.</summary>
    public (List<double> HandshakeSeconds, Dictionary<string, long> Failures) Take()
    {
        lock (_gate)
        {
            List<double> samples = [.. _handshakeSeconds];
            var failures = new Dictionary<string, long>(_failures, StringComparer.Ordinal);
            _handshakeSeconds.Clear();
            _failures.Clear();
            return (samples, failures);
        }
    }
}
