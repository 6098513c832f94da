using System.Net;

namespace Jormungandr.Lab;

/// <summary>
/// Four namespaces in a row, the topology of a VPN used through the internet:
/// <c>client — router — server — internet</c>. The client reaches the server only through its default
/// route (via the router; the server is not on-link), the server reaches the client the same way, and
/// the "internet" host sits behind the server on its own subnet that neither the router nor the client
/// has a route to: only traffic the server forwards (and masquerades, since the internet host has no
/// route back either) reaches it. IPv4 in 198.18.1-3.0/24 and IPv6 in 2001:2:0:1-3::/64, every link both.
/// <see cref="Dispose"/> removes everything, is idempotent and never throws.
/// </summary>
public sealed class RoutedLab : IDisposable
{
    /// <summary>The client's address on the client–router link.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("198.18.1.2");

    /// <summary>The router's address on the client–router link (the client's gateway).</summary>
    public static readonly IPAddress RouterClientSide = IPAddress.Parse("198.18.1.1");

    /// <summary>The router's address on the router–server link (the server's gateway).</summary>
    public static readonly IPAddress RouterServerSide = IPAddress.Parse("198.18.2.1");

    /// <summary>The server's underlay address.</summary>
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.2.2");

    /// <summary>The server's address towards the internet host.</summary>
    public static readonly IPAddress ServerInternetSide = IPAddress.Parse("198.18.3.1");

    /// <summary>The internet host.</summary>
    public static readonly IPAddress InternetAddress = IPAddress.Parse("198.18.3.2");

    /// <summary>IPv6 of the client.</summary>
    public static readonly IPAddress ClientAddress6 = IPAddress.Parse("2001:2:0:1::2");

    /// <summary>IPv6 of the router towards the client.</summary>
    public static readonly IPAddress RouterClientSide6 = IPAddress.Parse("2001:2:0:1::1");

    /// <summary>IPv6 of the router towards the server.</summary>
    public static readonly IPAddress RouterServerSide6 = IPAddress.Parse("2001:2:0:2::1");

    /// <summary>IPv6 underlay address of the server.</summary>
    public static readonly IPAddress ServerAddress6 = IPAddress.Parse("2001:2:0:2::2");

    /// <summary>IPv6 of the server towards the internet host.</summary>
    public static readonly IPAddress ServerInternetSide6 = IPAddress.Parse("2001:2:0:3::1");

    /// <summary>IPv6 of the internet host.</summary>
    public static readonly IPAddress InternetAddress6 = IPAddress.Parse("2001:2:0:3::2");

    private readonly List<IDisposable> _parts;
    private int _disposed;

    private RoutedLab(NetworkNamespace client, NetworkNamespace router, NetworkNamespace server, NetworkNamespace internet,
        VethPair clientLink, VethPair serverLink, VethPair internetLink, List<IDisposable> parts)
    {
        Client = client;
        Router = router;
        Server = server;
        Internet = internet;
        ClientLink = clientLink;
        ServerLink = serverLink;
        InternetLink = internetLink;
        _parts = parts;
    }

    /// <summary>The client host.</summary>
    public NetworkNamespace Client { get; }

    /// <summary>The router between client and server (forwards, knows only its two links).</summary>
    public NetworkNamespace Router { get; }

    /// <summary>The server host.</summary>
    public NetworkNamespace Server { get; }

    /// <summary>The host behind the server.</summary>
    public NetworkNamespace Internet { get; }

    /// <summary>Client (end B) – router (end A).</summary>
    public VethPair ClientLink { get; }

    /// <summary>Server (end B) – router (end A).</summary>
    public VethPair ServerLink { get; }

    /// <summary>Server (end A) – internet host (end B).</summary>
    public VethPair InternetLink { get; }

    /// <summary>First cleanup failure of any namespace, or null.</summary>
    public string? CleanupError => Client.CleanupError ?? Router.CleanupError ?? Server.CleanupError ?? Internet.CleanupError;

    /// <summary>Builds the lab (root only); on any failure removes what was made and rethrows.</summary>
    /// <param name="purpose">Short name in the namespace names (a-z, 0-9, '-', at most 15 characters).</param>
    /// <exception cref="Commands.SnekException">A namespace, link or route could not be created.</exception>
    public static RoutedLab Create(string purpose = "routed")
    {
        ArgumentNullException.ThrowIfNull(purpose);
        if (purpose.Length > 15)
        {
            throw new ArgumentException("purpose must be at most 15 characters", nameof(purpose));
        }

        var parts = new List<IDisposable>();
        try
        {
            NetworkNamespace client = Add(parts, NetworkNamespace.Create(purpose + "-cl"));
            NetworkNamespace router = Add(parts, NetworkNamespace.Create(purpose + "-rt"));
            NetworkNamespace server = Add(parts, NetworkNamespace.Create(purpose + "-sv"));
            NetworkNamespace internet = Add(parts, NetworkNamespace.Create(purpose + "-in"));
            VethPair clientLink = Add(parts, VethPair.Create(router, RouterClientSide, client, ClientAddress));
            clientLink.AddAddresses(RouterClientSide6, ClientAddress6, 64);
            VethPair serverLink = Add(parts, VethPair.Create(router, RouterServerSide, server, ServerAddress));
            serverLink.AddAddresses(RouterServerSide6, ServerAddress6, 64);
            VethPair internetLink = Add(parts, VethPair.Create(server, ServerInternetSide, internet, InternetAddress));
            internetLink.AddAddresses(ServerInternetSide6, InternetAddress6, 64);

            _ = router.Run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]).EnsureSuccess();
            client.Ip("route", "add", "default", "via", RouterClientSide.ToString());
            client.Ip("-6", "route", "add", "default", "via", RouterClientSide6.ToString());
            server.Ip("route", "add", "default", "via", RouterServerSide.ToString());
            server.Ip("-6", "route", "add", "default", "via", RouterServerSide6.ToString());

            foreach (NetworkNamespace ns in new[] { client, router, server, internet })
            {
                WaitForSettledAddresses(ns);
            }

            // Links were made first, so dispose in reverse: links, then namespaces.
            parts.Reverse();
            return new RoutedLab(client, router, server, internet, clientLink, serverLink, internetLink, parts);
        }
        catch
        {
            parts.Reverse();
            foreach (IDisposable part in parts)
            {
                part.Dispose();
            }

            throw;
        }
    }

    /// <summary>Removes links and namespaces (stopping their processes). Idempotent; never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (IDisposable part in _parts)
        {
            part.Dispose();
        }
    }

    /// <summary>
    /// Waits (at most 10 s) until no IPv6 address in <paramref name="ns"/> is still in duplicate address
    /// detection: until then the kernel keeps adding routes (link-local ones), so a snapshot of the
    /// routing tables taken earlier would differ from a later one for reasons of its own.
    /// </summary>
    /// <exception cref="Commands.SnekException">Addresses are still tentative after 10 s.</exception>
    public static void WaitForSettledAddresses(NetworkNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            if (ns.Ip("-6", "addr", "show", "tentative").StandardOutput.Trim().Length == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new Commands.SnekException("LabNotSettled", Commands.ErrorKind.OperationTimeout, $"IPv6 addresses in {ns.Name} are still tentative after 10 s.");
    }

    private static T Add<T>(List<IDisposable> parts, T part)
        where T : IDisposable
    {
        parts.Add(part);
        return part;
    }
}
