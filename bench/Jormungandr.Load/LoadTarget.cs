using System.Net;
using Jormungandr.Protocol;

namespace Jormungandr.Load;

/// <summary>Where the simulated clients connect and what they accept: the server's ports, pinned key and session settings.</summary>
internal sealed class LoadTarget(IPEndPoint keyPort, IPEndPoint dataPort, IPeerKeyPolicy serverPolicy)
{
    public IPEndPoint KeyPort { get; } = keyPort;

    public IPEndPoint DataPort { get; } = dataPort;

    public IPeerKeyPolicy ServerPolicy { get; } = serverPolicy;

    public SessionOptions SessionOptions { get; } = new();
}
