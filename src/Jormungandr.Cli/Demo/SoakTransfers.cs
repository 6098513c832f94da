using System.Net;
using Jormungandr.Commands;
using Jormungandr.Lab;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// Back-to-back TCP transfers of a fixed size in one direction through the tunnel, each hashed at both ends
/// with SHA-256. A transfer cut short (a server restart drops the tunnel for a few seconds) is counted as
/// interrupted and the next one starts; one that completes with a different hash is a corruption.
/// The receiver's address is asked for before each transfer: a reconnect may hand a client another one.
/// </summary>
internal sealed class SoakTransfers(string name, NetworkNamespace from, NetworkNamespace to, Func<IPAddress> address, int basePort, long bytesEach)
{
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    public int Completed { get; private set; }

    public int Interrupted { get; private set; }

    public int HashMismatches { get; private set; }

    /// <summary>The last few interruption reasons, for the report.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Runs transfers until <paramref name="ct"/> is cancelled.</summary>
    public void Run(CancellationToken ct)
    {
        for (int n = 0; !ct.IsCancellationRequested; n++)
        {
            try
            {
                (string sent, string received, _) = TunnelLab.Transfer(from, to, address(), bytesEach, basePort + (n % 32), TimeSpan.FromSeconds(60));
                lock (_gate)
                {
                    Completed++;
                    BytesSent += bytesEach;
                    if (sent == received)
                    {
                        BytesReceived += bytesEach;
                    }
                    else
                    {
                        HashMismatches++;
                        Errors.Add($"transfer {n}: sent {sent}, received {received}");
                    }
                }
            }
            catch (SnekException e)
            {
                lock (_gate)
                {
                    Interrupted++;
                    if (Errors.Count < 20)
                    {
                        Errors.Add($"transfer {n}: {e.Message.Split('\n')[0]}");
                    }
                }

                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }

    public string Describe()
    {
        lock (_gate)
        {
            return $"{Name}: {Completed} transfers complete ({BytesSent} bytes sent, {BytesReceived} received with matching SHA-256), "
                + $"{HashMismatches} hash mismatches, {Interrupted} interrupted";
        }
    }
}
