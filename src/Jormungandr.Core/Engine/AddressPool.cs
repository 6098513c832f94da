using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Jormungandr.Commands;

namespace Jormungandr.Engine;

/// <summary>A client's tunnel addresses.</summary>
internal sealed record Lease(IPAddress Address4, IPAddress? Address6);

/// <summary>
/// Hands out tunnel addresses from an IPv4 pool and an optional IPv6 pool. The server owns host 1 of
/// each; clients get host N of both (so a client's IPv4 and IPv6 addresses match). A key keeps its
/// lease (same addresses) until <see cref="Release"/> plus the lease time; static addresses per key
/// are reserved and never handed to anyone else. Thread-safe.
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
            foreach ((string key, Lease lease) in next)
            {
                _static[key] = lease;
            }
        }
    }

    /// <summary>The addresses for a key: its static ones, its live or lingering lease, or a new one. Null when the pool is full.</summary>
    public Lease? Acquire(string key, TimeSpan now)
    {
        lock (_gate)
        {
            Expire(now);
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
                    existing.Active = true;
                    return existing.Lease;
                }

                // The address became another key's static one after it was leased: give it up, or
                // both keys would hold it and whichever connected last would get the other's traffic.
                _usedHosts.Remove(existing.Host);
                _byKey.Remove(key);
            }

            for (long host = _firstHost; host <= _lastHost; host++)
            {
                if (_usedHosts.Contains(host) || IsStaticHost(host))
                {
                    continue;
                }

                var lease = new Lease(Host4(host), _pool6 is null ? null : Host6(host));
                _byKey[key] = new Entry(host, lease);
                _usedHosts.Add(host);
                return lease;
            }

            return null;
        }
    }

    /// <summary>The key's session ended: its lease lingers for the lease time, then returns to the pool.</summary>
    public void Release(string key, TimeSpan now)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out Entry? entry))
            {
                entry.Active = false;
                entry.ReleasedAt = now;
            }
        }
    }

    /// <summary>Number of dynamic leases held (live or lingering).</summary>
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

    private void Expire(TimeSpan now)
    {
        List<string>? gone = null;
        foreach ((string key, Entry entry) in _byKey)
        {
            if (!entry.Active && now - entry.ReleasedAt >= _leaseTime)
            {
                (gone ??= []).Add(key);
            }
        }

        if (gone is null)
        {
            return;
        }

        foreach (string key in gone)
        {
            _usedHosts.Remove(_byKey[key].Host);
            _byKey.Remove(key);
        }
    }

    private bool IsStaticHost(long host)
    {
        foreach (Lease lease in _static.Values)
        {
            // Host N's IPv6 address is host N of the IPv6 pool; an explicit static IPv6 address may be another host's.
            if (HostOf(lease.Address4) == host || (lease.Address6 is not null && _pool6 is not null && ToUInt128(lease.Address6) == _base6 + (UInt128)host))
            {
                return true;
            }
        }

        return false;
    }

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
