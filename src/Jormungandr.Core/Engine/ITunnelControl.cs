using Jormungandr.Tunnel;

namespace Jormungandr.Engine;

/// <summary>What a running tunnel exposes to its status socket.</summary>
internal interface ITunnelControl
{
    /// <summary>The tunnel's interface name.</summary>
    string InterfaceName { get; }

    /// <summary>A snapshot of every session.</summary>
    List<SnekSession> Snapshot();

    /// <summary>The server's handshake counters; null for a client.</summary>
    SnekServerStatus? ServerStatus();

    /// <summary>Disconnects the peer with this fingerprint (full or short form); false when there is none.</summary>
    bool Disconnect(string fingerprint);

    /// <summary>Asks the tunnel to stop (returns at once; the tunnel tears down on its own thread).</summary>
    void RequestStop();
}
