using Jormungandr.Fuzz.Targets;

namespace Jormungandr.Fuzz;

/// <summary>Runs the code under test on one input; throws only when an invariant breaks.</summary>
public delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>Every fuzz target by the name used on the command line and as its corpus folder.</summary>
public static class FuzzTargets
{
    /// <summary>Name → target, in the order the scripts run them.</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        ["handshake"] = HandshakeTarget.Run,
        ["data"] = DataTarget.Run,
        ["reassembler"] = ReassemblerTarget.Run,
        ["ip-packet"] = IpPacketTarget.Run,
        ["tcp-segmenter"] = TcpSegmenterTarget.Run,
        ["tcp-coalescer"] = TcpCoalescerTarget.Run,
        ["tunnel-config"] = TunnelConfigTarget.Run,
        ["key-channel"] = KeyChannelFramingTarget.Run,
        ["status-socket"] = StatusRequestTarget.Run,
        ["key-file"] = KeyFileTarget.Run,
        ["legacy-echo"] = LegacyEchoTarget.Run,
        ["toml"] = TomlTarget.Run,
    };

    /// <summary>Runs <paramref name="name"/> once on each of its seeds that the code can build, outside any measurement.</summary>
    internal static void Warm(string name)
    {
        foreach ((string target, IEnumerable<SeedCorpus.Seed> seeds) in SeedCorpus.All())
        {
            if (target == name)
            {
                foreach (SeedCorpus.Seed seed in seeds)
                {
                    All[name](seed.Bytes);
                }
            }
        }
    }
}
