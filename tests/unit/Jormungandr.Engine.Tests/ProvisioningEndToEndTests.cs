using System.Diagnostics;
using System.Globalization;
using Jormungandr.Cli.Demo;
using Jormungandr.Commands;
using Jormungandr.Lab;
using Jormungandr.Provisioning;
using Jormungandr.Toml;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

/// <summary>
/// One-step provisioning end to end (root only): a server run from a server.toml, a client provisioned
/// with one command and connected with nothing but its profile, traffic through the tunnel, then
/// revocation and the live session dropped within a bounded time.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProvisioningEndToEndTests
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(5);

    private static void Ping(NetworkNamespace from, string target, bool expect)
    {
        ProcessResult r = from.Run(["ping", "-n", "-q", "-c", "3", "-W", "1", "-i", "0.2", target], TimeSpan.FromSeconds(15));
        Assert.True(r.Succeeded == expect, $"ping {target}: expected {(expect ? "replies" : "no replies")}\n{r.StandardOutput}{r.StandardError}");
    }

    [NetworkLabFact]
    public void A_provisioned_profile_connects_alone_and_revocation_drops_the_session()
    {
        TunnelLab lab = TunnelLab.Create("e2eprov");
        try
        {
            string serverToml = Path.Combine(lab.Directory, "server.toml");
            File.WriteAllText(serverToml, string.Create(CultureInfo.InvariantCulture,
                $"authorized_keys = \"authorized\"\ncertificate = \"server.priv\"\ninterface = {TomlWriter.String(lab.ServerInterface)}\npool = \"198.19.0.0/24\"\n"));
            LabProcess server = lab.StartSnek(lab.Lab.Server, "server", "--config", serverToml);

            string profile = Path.Combine(lab.Directory, "alice.toml");
            BufferedOutput added = new();
            new AddClientCommand().ExecuteAsync(new AddClientOptions
            {
                Name = "alice",
                AuthorizedKeysPath = lab.AuthorizedDirectory,
                // The first address answers nobody (no host there in the lab): the client must move on to the second.
                ServerAddresses = ["198.18.255.254", lab.Lab.ServerAddress.ToString()],
                ServerKeyPath = lab.ServerPublicKey,
                Addresses = ["198.19.0.9"],
                Networks = ["198.19.200.0/24"],
                ProfilePath = profile,
            }, added, CancellationToken.None).GetAwaiter().GetResult();
            SnekClient alice = Assert.IsType<SnekClient>(Assert.Single(added.Objects));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile));

            // The profile alone: the interface name is given only so the lab can find and remove it.
            LabProcess client = lab.StartSnek(lab.Lab.Client, "connect", "--config", profile, "--interface", lab.ClientInterface(1));
            SnekSession? s = lab.WaitForClient(1, Up, client);
            Assert.True(s is not null, $"not established.\nserver: {server.StandardError}\nclient: {client.StandardError}");
            Assert.Equal("198.19.0.9", s!.TunnelAddresses[0]);
            Assert.Equal(lab.FingerprintOf(lab.ServerKey), s.PeerFingerprint);
            Ping(lab.Lab.Client, "198.19.0.1", expect: true);
            Ping(lab.Lab.Server, "198.19.0.9", expect: true);
            Assert.Contains(TunnelLab.Sessions(lab.ServerInterface), x => x.PeerFingerprint == alice.Fingerprint);

            new RemoveClientCommand().ExecuteAsync(new RemoveClientOptions { Name = "alice", AuthorizedKeysPath = lab.AuthorizedDirectory }, new BufferedOutput(), CancellationToken.None)
                .GetAwaiter().GetResult();
            Stopwatch clock = Stopwatch.StartNew();
            while (TunnelLab.Sessions(lab.ServerInterface).Any(x => x.PeerFingerprint == alice.Fingerprint) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(100);
            }

            TimeSpan dropped = clock.Elapsed;
            Assert.True(dropped < RevocationBound, $"the revoked session was still up after {dropped.TotalSeconds:0.0} s\nserver: {server.StandardError}");
            Ping(lab.Lab.Client, "198.19.0.1", expect: false);

            // Its reconnection attempts are refused: it never comes back.
            Thread.Sleep(TimeSpan.FromSeconds(2));
            Assert.DoesNotContain(TunnelLab.Sessions(lab.ServerInterface), x => x.PeerFingerprint == alice.Fingerprint);
        }
        finally
        {
            lab.Dispose();
        }

        Assert.False(NetworkNamespace.NameExists(lab.Lab.Server.Name));
        Assert.False(NetworkNamespace.NameExists(lab.Lab.Client.Name));
        Assert.False(Directory.Exists(lab.Directory));
    }
}
