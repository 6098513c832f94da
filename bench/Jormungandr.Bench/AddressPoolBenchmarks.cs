using System.Net;
using BenchmarkDotNet.Attributes;
using Jormungandr.Engine;

namespace Jormungandr.Bench;

/// <summary>
/// Handing out addresses to N clients from a /16 pool with S static addresses (what a server does when
/// N clients come back after a restart with no saved leases).
/// <c>dotnet run -c Release --project bench/Jormungandr.Bench -- --filter '*AddressPoolBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class AddressPoolBenchmarks
{
    private Dictionary<string, Lease> _statics = null!;
    private string[] _keys = null!;

    /// <summary>Clients to lease addresses to.</summary>
    [Params(1000, 4000)]
    public int Clients { get; set; }

    /// <summary>Static addresses in the pool (spread over it).</summary>
    [Params(0, 100)]
    public int Statics { get; set; }

    /// <summary>Keys and static leases.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, Clients).Select(i => "client-" + i)];
        _statics = new Dictionary<string, Lease>(StringComparer.Ordinal);
        for (int i = 0; i < Statics; i++)
        {
            int host = 2 + (i * 97);
            _statics["static-" + i] = new Lease(new IPAddress([198, 19, (byte)(host >> 8), (byte)host]), null);
        }
    }

    /// <summary>A fresh pool, its static addresses, then one lease per client.</summary>
    [Benchmark]
    public long LeaseToAll()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.0.0/16"), null, TimeSpan.FromMinutes(10));
        pool.SetStatic(_statics);
        long sum = 0;
        foreach (string key in _keys)
        {
            sum += pool.Acquire(key, TimeSpan.Zero)!.Address4.GetHashCode();
        }

        return sum;
    }
}
