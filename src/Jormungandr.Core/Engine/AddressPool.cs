using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Jormungandr.Commands;

namespace Jormungandr.Engine;

/// <summary>A client's tunnel addresses.</summary>
internal sealed record Lease(IPAddress Address4, IPAddress? Address6);

/// <summary>A lease as saved across restarts: the key's fingerprint, its addresses, and when it was released (null: live).</summary>
internal sealed record PersistedLease(string Key, IPAddress Address4, IPAddress? Address6, DateTimeOffset? ReleasedAt);

/// <summary>
/// Hands out tunnel addresses from an IPv4 pool and an optional IPv6 pool. The server owns host 1 of
/// each; clients get host N of both (so a client's IPv4 and IPv6 addresses match). A key keeps its
/// lease (same addresses) until <see cref="Release"/> plus the lease time, and after that for as long
/// as the pool has other free addresses: a new key takes a never-leased address first and reclaims an
/// expired lease (the longest expired) only when the pool is otherwise full. Static addresses per key
/// are reserved and never handed to anyone else. <see cref="Export"/> and <see cref="Restore"/> carry
/// the leases across a restart; <see cref="Version"/> tells when they changed. Thread-safe.
/// </summary>
internal sealed class AddressPool
{
    private readonly Lock _gate = new();
    private readonly IPNetwork _pool4;
    private readonly IPNetwork? _pool6;
    private readonly uint _base4;
    private readonly UInt128 _base6;
    private readonly long _firstHost;
    private readonly long _lastHost;
    private readonly TimeSpan _leaseTime;
    private readonly Dictionary<string, Entry> _byKey = new(StringComparer.Ordinal);
    private readonly HashSet<long> _usedHosts = [];
    private readonly Dictionary<string, Lease> _static = new(StringComparer.Ordinal);
    private readonly HashSet<long> _staticHosts = []; // hosts a static lease's IPv4 or IPv6 address occupies
    private long _freeFrom; // every host below is leased or static: the search for a free one starts here
    private long _version;

    private sealed class Entry(long host, Lease lease)
    {
        public long Host { get; } = host;

        public Lease Lease { get; } = lease;

        public bool Active { get; set; } = true;

        public TimeSpan ReleasedAt { get; set; }
    }

    public AddressPool(IPNetwork pool4, IPNetwork? pool6, TimeSpan leaseTime)
    {
        // The pools become the clients' TunnelConfig, which they refuse outside these bounds: fail at start, not at every handshake.
        if (pool4.BaseAddress.AddressFamily != AddressFamily.InterNetwork || pool4.PrefixLength is < TunnelConfig.MinPrefix4 or > TunnelConfig.MaxPrefix4)
        {
            throw new SnekException("PoolOutOfRange", ErrorKind.InvalidArgument, $"Pool {pool4} must be an IPv4 network from /{TunnelConfig.MinPrefix4} to /{TunnelConfig.MaxPrefix4}; clients refuse wider networks.", pool4.ToString());
        }

        if (pool6 is IPNetwork v6 && (v6.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6 || v6.PrefixLength is < TunnelConfig.MinPrefix6 or > TunnelConfig.MaxPrefix6))
        {
            throw new SnekException("PoolOutOfRange", ErrorKind.InvalidArgument, $"Pool6 {v6} must be an IPv6 network from /{TunnelConfig.MinPrefix6} to /{TunnelConfig.MaxPrefix6}; clients refuse wider networks.", v6.ToString());
        }

        _pool4 = pool4;
        _pool6 = pool6;
        _base4 = ToUInt32(pool4.BaseAddress);
        _leaseTime = leaseTime;
        long size4 = 1L << (32 - pool4.PrefixLength);
        _firstHost = 2;
        _lastHost = size4 - 2; // no broadcast address
        if (pool6 is IPNetwork p6)
        {
            _base6 = ToUInt128(p6.BaseAddress);
            int hostBits6 = 128 - p6.PrefixLength;
            if (hostBits6 < 62)
            {
                _lastHost = Math.Min(_lastHost, (1L << hostBits6) - 1);
            }
        }

        if (_lastHost < _firstHost)
        {
            throw new SnekException("PoolTooSmall", ErrorKind.InvalidArgument, $"Pool {pool4} leaves no address for clients.", pool4.ToString());
        }

        ServerLease = new Lease(Host4(1), pool6 is null ? null : Host6(1));
        _freeFrom = _firstHost;
    }

    /// <summary>The server's own addresses (host 1 of each pool).</summary>
    public Lease ServerLease { get; }

    /// <summary>IPv4 prefix length of the pool.</summary>
    public int Prefix4 => _pool4.PrefixLength;

    /// <summary>IPv6 prefix length of the pool (0 without IPv6).</summary>
    public int Prefix6 => _pool6?.PrefixLength ?? 0;

    /// <summary>The IPv4 pool.</summary>
    public IPNetwork Pool4 => _pool4;

    /// <summary>The IPv6 pool, if any.</summary>
    public IPNetwork? Pool6 => _pool6;

    /// <summary>Number of client addresses in the pool.</summary>
    public long Capacity => _lastHost - _firstHost + 1;

    /// <summary>
    /// Replaces the static assignments (key fingerprint → addresses). Addresses must lie in the pools
    /// and not be the server's; they are reserved from the dynamic range.
    /// </summary>
    public void SetStatic(IReadOnlyDictionary<string, Lease> assignments)
    {
        lock (_gate)
        {
            var next = new Dictionary<string, Lease>(StringComparer.Ordinal);
            var taken4 = new HashSet<long>();
            var taken6 = new HashSet<UInt128>();
            foreach ((string key, Lease lease) in assignments)
            {
                long host = HostOf(lease.Address4);
                if (!_pool4.Contains(lease.Address4) || host < _firstHost || host > _lastHost + 0)
                {
                    throw new SnekException("StaticAddressOutsidePool", ErrorKind.InvalidData, $"Static address {lease.Address4} for {key} is not a client address of {_pool4}.", key);
                }

                if (lease.Address6 is not null && (_pool6 is not IPNetwork p6 || !p6.Contains(lease.Address6) || lease.Address6.Equals(ServerLease.Address6)))
                {
                    throw new SnekException("StaticAddressOutsidePool", ErrorKind.InvalidData, $"Static address {lease.Address6} for {key} is not a client address of the IPv6 pool.", key);
                }

                // Two keys with one address would take each other's traffic (the route follows the last to connect).
                UInt128? v6 = lease.Address6 is not null ? ToUInt128(lease.Address6) : _pool6 is null ? null : _base6 + (UInt128)host;
                if (!taken4.Add(host) || (v6 is UInt128 a6 && !taken6.Add(a6)))
                {
                    throw new SnekException("StaticAddressConflict", ErrorKind.InvalidData, $"A static address of {key} is also given to another key.", key);
                }

                next[key] = lease;
            }

            // All or nothing: a refused set leaves the previous one in force.
            _static.Clear();
            _staticHosts.Clear();
            foreach ((string key, Lease lease) in next)
            {
                _static[key] = lease;
                _staticHosts.Add(HostOf(lease.Address4));
                if (lease.Address6 is not null && _pool6 is not null && ToUInt128(lease.Address6) - _base6 is UInt128 h6 && h6 <= (UInt128)_lastHost)
                {
                    _staticHosts.Add((long)h6); // an explicit static IPv6 address may be another host's
                }
            }

            _freeFrom = _firstHost; // a host that stopped being static is free again

        }
    }

    /// <summary>The addresses for a key: its static ones, its live or lingering lease, or a new one. Null when the pool is full.</summary>
    public Lease? Acquire(string key, TimeSpan now)
    {
        lock (_gate)
        {
            if (_static.TryGetValue(key, out Lease? fixedLease))
            {
                // A static address wins over a dynamic lease someone else holds: that holder keeps
                // it only until it reconnects (then it gets a new one).
                return fixedLease with { Address6 = fixedLease.Address6 ?? (_pool6 is null ? null : Host6(HostOf(fixedLease.Address4))) };
            }

            if (_byKey.TryGetValue(key, out Entry? existing))
            {
                if (!IsStaticHost(existing.Host))
                {
                    if (!existing.Active)
                    {
                        existing.Active = true;
                        _version++;
                    }

                    return existing.Lease;
                }

                // The address became another key's static one after it was leased: give it up, or
                // both keys would hold it and whichever connected last would get the other's traffic.
                Free(existing.Host);
                _byKey.Remove(key);
                _version++;
            }

            long? free = FreeHost() ?? ReclaimExpired(now);
            if (free is not long host)
            {
                return null;
            }

            var lease = new Lease(Host4(host), _pool6 is null ? null : Host6(host));
            _byKey[key] = new Entry(host, lease);
            _usedHosts.Add(host);
            _version++;
            return lease;
        }
    }

    /// <summary>Counts lease changes (new, released, reclaimed, restored); unchanged means nothing new to save.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>
    /// The dynamic leases for saving: a live one has no release time; a released one carries the wall-clock
    /// time of its release (<paramref name="utcNow"/> minus how long ago, on the monotonic <paramref name="now"/>).
    /// </summary>
    public List<PersistedLease> Export(TimeSpan now, DateTimeOffset utcNow)
    {
        lock (_gate)
        {
            List<PersistedLease> result = new(_byKey.Count);
            foreach ((string key, Entry entry) in _byKey)
            {
                DateTimeOffset? released = entry.Active ? null : utcNow - (now - entry.ReleasedAt);
                result.Add(new PersistedLease(key, entry.Lease.Address4, entry.Lease.Address6, released));
            }

            return result;
        }
    }

    /// <summary>
    /// Takes back saved leases (before any client connects). A lease that was live when saved counts as
    /// released now, so its key has the full lease time to return; a released one keeps its release
    /// time. Leases that no longer fit (outside the pool, the server's or a static address, a key with a
    /// static address, an address or key already taken) are skipped. Returns how many were restored.
    /// </summary>
    public int Restore(IEnumerable<PersistedLease> leases, TimeSpan now, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(leases);
        lock (_gate)
        {
            int restored = 0;
            foreach (PersistedLease saved in leases)
            {
                if (saved.Address4.AddressFamily != AddressFamily.InterNetwork || !_pool4.Contains(saved.Address4))
                {
                    continue;
                }

                long host = HostOf(saved.Address4);
                if (host < _firstHost || host > _lastHost || _usedHosts.Contains(host) || IsStaticHost(host)
                    || _static.ContainsKey(saved.Key) || _byKey.ContainsKey(saved.Key))
                {
                    continue;
                }

                // The IPv6 address always follows the host number, so a pool6 added or changed since is simply applied.
                TimeSpan ago = saved.ReleasedAt is DateTimeOffset at ? utcNow - at : TimeSpan.Zero;
                var entry = new Entry(host, new Lease(saved.Address4, _pool6 is null ? null : Host6(host)))
                {
                    Active = false,
                    ReleasedAt = now - (ago < TimeSpan.Zero ? TimeSpan.Zero : ago), // a clock set back counts as "just now"
                };
                _byKey[saved.Key] = entry;
                _usedHosts.Add(host);
                restored++;
            }

            if (restored > 0)
            {
                _version++;
            }

            return restored;
        }
    }

    /// <summary>The key's session ended: its lease lingers for the lease time, then returns to the pool.</summary>
    public void Release(string key, TimeSpan now)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out Entry? entry) && entry.Active)
            {
                entry.Active = false;
                entry.ReleasedAt = now;
                _version++;
            }
        }
    }

    /// <summary>Number of dynamic leases remembered (live, lingering, or expired but not yet reclaimed).</summary>
    public int LeaseCount
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    // The lowest free host. Searching from _freeFrom instead of the first host keeps handing out N
    // addresses linear in N rather than quadratic (thousands of clients connecting after a restart).
    private long? FreeHost()
    {
        for (long host = _freeFrom; host <= _lastHost; host++)
        {
            if (!_usedHosts.Contains(host) && !_staticHosts.Contains(host))
            {
                _freeFrom = host + 1;
                return host;
            }
        }

        _freeFrom = _lastHost + 1;
        return null;
    }

    private void Free(long host)
    {
        _usedHosts.Remove(host);
        _freeFrom = Math.Min(_freeFrom, host);
    }

    // The pool is otherwise full: the lease expired longest ago gives up its address.
    private long? ReclaimExpired(TimeSpan now)
    {
        string? oldestKey = null;
        Entry? oldest = null;
        foreach ((string key, Entry entry) in _byKey)
        {
            if (!entry.Active && now - entry.ReleasedAt >= _leaseTime && !IsStaticHost(entry.Host)
                && (oldest is null || entry.ReleasedAt < oldest.ReleasedAt))
            {
                oldestKey = key;
                oldest = entry;
            }
        }

        if (oldest is null)
        {
            return null;
        }

        _byKey.Remove(oldestKey!);
        Free(oldest.Host);
        return oldest.Host;
    }

    private bool IsStaticHost(long host) => _staticHosts.Contains(host);

    private long HostOf(IPAddress address4) => (long)ToUInt32(address4) - _base4;

    private IPAddress Host4(long host) => FromUInt32(_base4 + (uint)host);

    private IPAddress Host6(long host) => FromUInt128(_base6 + (UInt128)host);

    internal static uint ToUInt32(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(b, out _))
        {
            throw new ArgumentException("Not an IPv4 address.", nameof(address));
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    internal static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || !address.TryWriteBytes(b, out _))
        {
            throw new ArgumentException("Not an IPv6 address.", nameof(address));
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    private static IPAddress FromUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }

    private static IPAddress FromUInt128(UInt128 value)
    {
        Span<byte> b = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, value);
        return new IPAddress(b);
    }
}
