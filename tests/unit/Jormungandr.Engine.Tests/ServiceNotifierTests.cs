using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Service;

namespace Jormungandr.Tests;

/// <summary>The sd_notify sender and the service lifecycle, against sockets the test binds (no systemd, no root).</summary>
public sealed class ServiceNotifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A datagram socket standing in for systemd's notification socket.</summary>
    internal sealed class FakeNotifySocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public FakeNotifySocket(string bindTo)
        {
            _socket.Bind(new UnixDomainSocketEndPoint(bindTo));
        }

        /// <summary>The next message, or null when none arrives within <paramref name="timeout"/>.</summary>
        public string? Receive(TimeSpan timeout)
        {
            if (!_socket.Poll(timeout, SelectMode.SelectRead))
            {
                return null;
            }

            byte[] buffer = new byte[8192];
            int n = _socket.Receive(buffer);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }

        /// <summary>Messages until one contains <paramref name="text"/> (returned last) or the time is up (null).</summary>
        public List<string>? ReceiveUntil(string text, TimeSpan timeout)
        {
            List<string> seen = [];
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (Environment.TickCount64 < deadline)
            {
                string? m = Receive(TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64)));
                if (m is null)
                {
                    break;
                }

                seen.Add(m);
                if (m.Contains(text, StringComparison.Ordinal))
                {
                    return seen;
                }
            }

            return null;
        }

        public void Dispose() => _socket.Dispose();
    }

    private sealed class RecordingNotifier : IServiceNotifier
    {
        public List<string> Messages { get; } = [];

        public bool Fail { get; set; }

        public void Send(string message)
        {
            if (Fail)
            {
                throw new SnekException("NotifySendFailed", ErrorKind.ConnectionError, "nobody listens");
            }

            Messages.Add(message);
        }
    }

    [Fact]
    public void A_message_reaches_a_socket_bound_to_a_path()
    {
        string path = Path.Combine(_dir, "notify");
        using var fake = new FakeNotifySocket(path);
        using NotifySocket socket = NotifySocket.Open(path);
        socket.Send("READY=1\nSTATUS=up");
        Assert.Equal("READY=1\nSTATUS=up", fake.Receive(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_message_reaches_an_abstract_socket_named_with_an_at_sign()
    {
        string name = "snek-test-" + Guid.NewGuid().ToString("N");
        using var fake = new FakeNotifySocket("\0" + name);
        using NotifySocket socket = NotifySocket.Open("@" + name);
        socket.Send("READY=1");
        Assert.Equal("READY=1", fake.Receive(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("@")]
    [InlineData("run/systemd/notify")]
    [InlineData("vsock:2:1234")]
    public void An_unusable_address_is_a_clear_error(string address)
    {
        var e = Assert.Throws<SnekException>(() => NotifySocket.Open(address));
        Assert.Equal("NotifySocketInvalid", e.ErrorId);
        Assert.Contains("NOTIFY_SOCKET", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_or_name_too_long_for_sockaddr_un_is_a_clear_error()
    {
        Assert.Equal("NotifySocketInvalid", Assert.Throws<SnekException>(() => NotifySocket.Open("/" + new string('a', 107))).ErrorId);
        Assert.Equal("NotifySocketInvalid", Assert.Throws<SnekException>(() => NotifySocket.Open("@" + new string('a', 108))).ErrorId);
        using NotifySocket longest = NotifySocket.Open("/" + new string('a', 106)); // 107 bytes and the NUL fit
    }

    [Fact]
    public void A_message_too_long_or_empty_is_refused_and_nothing_is_sent()
    {
        string path = Path.Combine(_dir, "notify");
        using var fake = new FakeNotifySocket(path);
        using NotifySocket socket = NotifySocket.Open(path);
        Assert.Equal("NotifyMessageTooLong", Assert.Throws<SnekException>(() => socket.Send("STATUS=" + new string('x', NotifySocket.MaxMessageBytes))).ErrorId);
        Assert.Equal("NotifyMessageTooLong", Assert.Throws<SnekException>(() => socket.Send("")).ErrorId);
        Assert.Null(fake.Receive(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void Nobody_listening_is_a_SnekException_not_a_crash()
    {
        using NotifySocket socket = NotifySocket.Open(Path.Combine(_dir, "nobody"));
        Assert.Equal("NotifySendFailed", Assert.Throws<SnekException>(() => socket.Send("READY=1")).ErrorId);
    }

    [Fact]
    public void Ready_then_status_then_stopping_once()
    {
        var notifier = new RecordingNotifier();
        var life = new ServiceLifecycle(notifier);
        life.Stopping("too early"); // not ready: systemd would not care, nothing is sent
        life.Ready("snk0: listening");
        life.Ready("snk0: 1 client");
        life.Status("snk0: 2 clients\nREADY=0"); // a status is one line: no smuggled assignment
        life.Stopping("snk0: stopping");
        life.Stopping("again");
        life.Status("after the end");
        Assert.Equal(["READY=1\nSTATUS=snk0: listening", "STATUS=snk0: 1 client", "STATUS=snk0: 2 clients READY=0", "STOPPING=1\nSTATUS=snk0: stopping"], notifier.Messages);
    }

    [Fact]
    public void Reloading_carries_the_monotonic_time_in_microseconds_and_ends_with_READY()
    {
        var notifier = new RecordingNotifier();
        var life = new ServiceLifecycle(notifier, () => 123456789);
        life.Ready("up");
        life.Reloading();
        life.Ready("reloaded");
        life.Ready("later");
        Assert.Equal(["READY=1\nSTATUS=up", "RELOADING=1\nMONOTONIC_USEC=123456789", "READY=1\nSTATUS=reloaded", "STATUS=later"], notifier.Messages);
    }

    [Fact]
    public void The_monotonic_clock_is_CLOCK_MONOTONIC_in_microseconds()
    {
        // .NET's Stopwatch reads CLOCK_MONOTONIC on Linux: both agree to well under a second, in microseconds.
        long before = Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);
        long value = ServiceLifecycle.MonotonicMicroseconds();
        long after = Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);
        Assert.InRange(value, before - 500_000, after + 500_000);
    }

    [Fact]
    public void A_failing_notifier_warns_once_and_the_tunnel_goes_on()
    {
        var notifier = new RecordingNotifier { Fail = true };
        List<string> warnings = [];
        var life = new ServiceLifecycle(notifier) { Warning = warnings.Add };
        life.Ready("up");
        life.Status("still up");
        Assert.True(life.IsReady);
        Assert.Equal(["nobody listens"], warnings);
    }

    [Fact]
    public void A_reload_request_runs_the_registered_handler_and_says_when_there_is_none()
    {
        var life = new ServiceLifecycle(null);
        Assert.False(life.RequestReload());
        int calls = 0;
        using (life.OnReload(() => calls++))
        {
            Assert.True(life.RequestReload());
            Assert.Throws<InvalidOperationException>(() => life.OnReload(() => { }));
        }

        Assert.False(life.RequestReload());
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Without_a_notifier_every_announcement_is_a_no_op()
    {
        ServiceLifecycle.None.Ready("x");
        ServiceLifecycle.None.Reloading();
        ServiceLifecycle.None.Status("y");
        Assert.False(ServiceLifecycle.None.RequestReload());
    }
}
