using System.Runtime.Versioning;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

/// <summary>The status socket and the Get/Disconnect/Stop commands against a fake tunnel (no root needed).</summary>
[SupportedOSPlatform("linux")]
public sealed class StatusSocketTests : IDisposable
{
    private const string Fp = "SHA256:CRAQo/QU3ehTBgg8O1DkpudZHNx0YT3otFLBs8tcWSM";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "snek-status-" + Guid.NewGuid().ToString("N")[..8]);

    private sealed class FakeTunnel : ITunnelControl
    {
        public string InterfaceName => "snktest0";

        public List<string> Disconnected { get; } = [];

        public bool Stopped { get; private set; }

        public List<SnekSession> Snapshot() =>
            [new SnekSession { InterfaceName = InterfaceName, Role = TunnelRole.Server, PeerFingerprint = Fp, PeerName = "alice", State = SessionState.Established, BytesIn = 42 }];

        public bool Disconnect(string fingerprint)
        {
            if (!Identity.Fingerprint.Matches(Fp, fingerprint))
            {
                return false;
            }

            Disconnected.Add(fingerprint);
            return true;
        }

        public SnekServerStatus? ServerStatus() => new() { InterfaceName = InterfaceName, Sessions = 1, HandshakeSlots = 64, Evicted = 7, RefusedRate = 3 };

        public void RequestStop() => Stopped = true;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Get_session_reads_the_socket_and_filters_by_fingerprint()
    {
        var tunnel = new FakeTunnel();
        using (StatusServer server = StatusServer.Start(_dir, tunnel, NullLogger.Instance))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.Path));
            Assert.True(StatusServer.IsLive(server.Path));
            var output = new BufferedOutput();
            await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { StatusDirectory = _dir }, output, CancellationToken.None);
            SnekSession s = Assert.Single(output.ObjectsOf<SnekSession>());
            Assert.Equal(42, s.BytesIn);
            Assert.Equal("alice", s.PeerName);

            var servers = new BufferedOutput();
            await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { StatusDirectory = _dir, Server = true }, servers, CancellationToken.None);
            SnekServerStatus status = Assert.Single(servers.ObjectsOf<SnekServerStatus>());
            Assert.Equal(("snktest0", 1, 64, 7L, 3L), (status.InterfaceName, status.Sessions, status.HandshakeSlots, status.Evicted, status.RefusedRate));
            Assert.Empty(servers.ObjectsOf<SnekSession>());

            var none = new BufferedOutput();
            await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { StatusDirectory = _dir, Fingerprint = "0000:0000" }, none, CancellationToken.None);
            Assert.Empty(none.Objects);
        }

        Assert.False(File.Exists(Path.Combine(_dir, "snktest0.sock")));
    }

    [Fact]
    public async Task Disconnect_asks_ShouldProcess_first_and_then_the_tunnel()
    {
        var tunnel = new FakeTunnel();
        using StatusServer server = StatusServer.Start(_dir, tunnel, NullLogger.Instance);
        var declined = new BufferedOutput((_, _) => false);
        await new DisconnectPeerCommand().ExecuteAsync(new DisconnectPeerOptions { StatusDirectory = _dir, Fingerprint = Fp }, declined, CancellationToken.None);
        Assert.Single(declined.ShouldProcessCalls);
        Assert.Empty(tunnel.Disconnected);

        await new DisconnectPeerCommand().ExecuteAsync(new DisconnectPeerOptions { StatusDirectory = _dir, Fingerprint = Fp }, new BufferedOutput(), CancellationToken.None);
        Assert.Equal([Fp], tunnel.Disconnected);

        SnekException e = await Assert.ThrowsAsync<SnekException>(() =>
            new DisconnectPeerCommand().ExecuteAsync(new DisconnectPeerOptions { StatusDirectory = _dir, Fingerprint = "ffff:ffff" }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public async Task Stop_reaches_the_tunnel_and_waits_for_the_socket_to_go()
    {
        var tunnel = new FakeTunnel();
        StatusServer server = StatusServer.Start(_dir, tunnel, NullLogger.Instance);
        Task stop = new StopTunnelCommand().ExecuteAsync(new StopTunnelOptions { StatusDirectory = _dir, InterfaceName = "snktest0" }, new BufferedOutput(), CancellationToken.None);
        for (int i = 0; i < 50 && !tunnel.Stopped; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(tunnel.Stopped);
        Assert.False(stop.IsCompleted); // still waiting for the tunnel to remove its socket
        server.Dispose();
        await stop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Rebind_is_refused_by_a_tunnel_that_cannot_roam()
    {
        var tunnel = new FakeTunnel();
        using StatusServer server = StatusServer.Start(_dir, tunnel, NullLogger.Instance);
        StatusResponse r = await StatusClient.QueryAsync(server.Path, new StatusRequest { Op = StatusProtocol.OpRebind }, CancellationToken.None);
        Assert.False(r.Ok);
        Assert.Equal("RebindNotSupported", r.ErrorId);
    }

    [Fact]
    public async Task A_second_tunnel_cannot_take_a_live_socket_but_a_stale_file_is_replaced()
    {
        var tunnel = new FakeTunnel();
        using (StatusServer.Start(_dir, tunnel, NullLogger.Instance))
        {
            SnekException e = Assert.Throws<SnekException>(() => StatusServer.Start(_dir, tunnel, NullLogger.Instance));
            Assert.Equal(ErrorKind.ResourceExists, e.Kind);
        }

        await File.WriteAllTextAsync(Path.Combine(_dir, "snktest0.sock"), "stale");
        using StatusServer again = StatusServer.Start(_dir, tunnel, NullLogger.Instance);
        Assert.True(StatusServer.IsLive(again.Path));
    }

    [Fact]
    public void Refuses_a_status_directory_other_users_can_enter_and_makes_a_new_one_private()
    {
        // An existing directory keeps its mode: a 0777 one would let any user replace or reach the socket.
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF); // 0777
        SnekException e = Assert.Throws<SnekException>(() => StatusServer.Start(_dir, new FakeTunnel(), NullLogger.Instance));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.Equal("StatusDirectoryInsecure", e.ErrorId);
        Assert.False(File.Exists(StatusServer.PathFor(_dir, "snktest0")));

        Directory.Delete(_dir);
        using StatusServer server = StatusServer.Start(_dir, new FakeTunnel(), NullLogger.Instance);
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(_dir)); // 0700
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(server.Path)); // 0600
    }

    [Fact]
    public async Task An_oversized_request_gets_a_malformed_request_answer()
    {
        using StatusServer server = StatusServer.Start(_dir, new FakeTunnel(), NullLogger.Instance);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(server.Path), timeout.Token);
        byte[] tooLong = new byte[StatusProtocol.MaxRequestBytes + 100];
        tooLong.AsSpan().Fill((byte)'a');
        await socket.SendAsync(tooLong, System.Net.Sockets.SocketFlags.None, timeout.Token);
        byte[]? line = await StatusClient.ReadLineAsync(socket, StatusProtocol.MaxResponseBytes, timeout.Token);
        Assert.NotNull(line);
        StatusResponse response = StatusProtocol.ParseResponse(line);
        Assert.False(response.Ok);
        Assert.Equal("BadStatusRequest", response.ErrorId);
    }

    [Fact]
    public async Task Missing_tunnels_are_reported_clearly()
    {
        Directory.CreateDirectory(_dir);
        SnekException e = await Assert.ThrowsAsync<SnekException>(() =>
            new GetSessionCommand().ExecuteAsync(new GetSessionOptions { StatusDirectory = _dir, InterfaceName = "snk9" }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
        var all = new BufferedOutput();
        await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { StatusDirectory = Path.Combine(_dir, "none") }, all, CancellationToken.None);
        Assert.Empty(all.Objects);
    }
}
