using System.CommandLine;
using System.Runtime.InteropServices;
using Jormungandr.Commands;
using Jormungandr.Configuration;
using Jormungandr.Service;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Cli;

/// <summary>
/// <c>snek server</c>, <c>snek connect</c>, <c>snek show</c>, <c>snek disconnect</c>, <c>snek stop</c>, and the
/// original flags <c>-l -x PUBDIR [-kp N] [-dp N]</c> / <c>-c HOST -x PRIVKEY [-kp N] [-dp N]</c>.
/// </summary>
internal static class TunnelCli
{
    /// <summary>All tunnel subcommands, with <c>snek demo</c> and its hidden helper.</summary>
    public static IEnumerable<Command> Create() => [CreateServer(RunServerAsync), CreateConnect(RunClientAsync), CreateShow(), CreateDisconnect(), CreateStop(), Demo.DemoCli.Create(), Demo.DemoHelper.Create(), Demo.TunnelBenchCli.Create(), Demo.SoakCli.Create()];

    private static readonly Option<int> KeyPort = new("--key-port", "-kp") { Description = "TCP port of the key channel.", DefaultValueFactory = _ => TunnelDefaults.KeyPort };
    private static readonly Option<int> DataPort = new("--data-port", "-dp") { Description = "UDP port of the data channel.", DefaultValueFactory = _ => TunnelDefaults.DataPort };
    private static readonly Option<string?> Interface = new("--interface", "-i") { Description = "TUN interface name (default: the first free snkN)." };
    private static readonly Option<int?> Mtu = new("--mtu") { Description = "Inner MTU (default 1416: a 1500-byte underlay minus IPv6 40, UDP 8, header 16, tag 16, inner header 4)." };
    private static readonly Option<bool> NoPadding = new("--no-padding") { Description = "Do not pad inner packets to size buckets." };
    private static readonly Option<string?> PassphraseFile = new("--passphrase-file") { Description = "Read the private key's passphrase from the first line of this file." };
    private static readonly Option<string?> StatusDir = new("--status-dir") { Description = "Directory of the status sockets.", Hidden = true };

    /// <summary>
    /// Rewrites the original tunnel flags into subcommand syntax; null when <paramref name="args"/> are not
    /// original tunnel flags. <c>-x</c> is the authorized-keys directory with <c>-l</c>, the private key with <c>-c</c>.
    /// </summary>
    public static string[]? RewriteOriginalFlags(string[] args)
    {
        bool listen = Array.IndexOf(args, "-l") >= 0;
        int c = Array.IndexOf(args, "-c");
        if (!listen && c < 0)
        {
            return null;
        }

        List<string> result = [listen ? "server" : "connect"];
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "-l")
            {
                continue;
            }

            if (a == "-c" && i + 1 < args.Length)
            {
                result.Insert(1, args[++i]);
                continue;
            }

            if (a == "-x" && i + 1 < args.Length)
            {
                result.Add(listen ? "--authorized-keys" : "--cert");
                result.Add(args[++i]);
                continue;
            }

            result.Add(a);
        }

        return [.. result];
    }

    private static readonly Option<string?> ConfigFile = new("--config") { Description = "Read options from this TOML file (docs/config.md); options given here override it." };

    private static Task<int> RunServerAsync(ParseResult parse, ServerOptions options, CancellationToken ct) =>
        RunTunnelAsync(parse, (factory, service) => new StartServerCommand(factory, service), options, ct);

    private static Task<int> RunClientAsync(ParseResult parse, ClientOptions options, CancellationToken ct) =>
        RunTunnelAsync(parse, (factory, service) => new ConnectPeerCommand(factory, service), options, ct);

    /// <summary><c>snek server</c>; <paramref name="run"/> gets the options (the tunnel, or a test's probe).</summary>
    internal static Command CreateServer(Func<ParseResult, ServerOptions, CancellationToken, Task<int>> run)
    {
        Option<string?> authorized = new("--authorized-keys", "-a") { Description = "Directory of authorized client keys (*.pub), re-read when it changes. Required without --config." };
        Option<string?> cert = new("--cert") { Description = $"Server private key (default {TunnelDefaults.ServerKeyPath}, created if missing)." };
        Option<string?> bind = new("--bind") { Description = "Listen on this address only (default: all IPv4 and IPv6 addresses)." };
        Option<string> pool = new("--pool") { Description = "IPv4 tunnel address pool (CIDR, /16 to /30); the server takes the first address.", DefaultValueFactory = _ => TunnelDefaults.Pool };
        Option<string?> pool6 = new("--pool6") { Description = "Optional IPv6 tunnel address pool (CIDR, /64 to /120)." };
        Option<string?> stateDir = new("--state-dir") { Description = $"Where address leases survive restarts (default {TunnelDefaults.StateRoot}/<interface>)." };
        Option<bool> gateway = new("--gateway") { Description = "Forward and masquerade the pools' traffic out of the server's other interfaces (restored on exit)." };
        Option<string[]> pushRoutes = new("--push-route") { Description = "Push this route (CIDR) to clients that ask; 0.0.0.0/0 or ::/0 asks for a full tunnel; repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<string[]> pushDns = new("--push-dns") { Description = "Push this DNS server address to clients that ask; repeatable (at most 4).", AllowMultipleArgumentsPerToken = false };
        Option<string[]> pushDomains = new("--push-search-domain") { Description = "Push this DNS search domain to clients that ask; repeatable (at most 6).", AllowMultipleArgumentsPerToken = false };
        Command command = new("server", "Run a VPN server until Ctrl+C or 'snek stop': one TUN for many clients.")
        {
            ConfigFile, authorized, cert, PassphraseFile, KeyPort, DataPort, bind, pool, pool6, Interface, Mtu, NoPadding, StatusDir, stateDir,
            gateway, pushRoutes, pushDns, pushDomains,
        };
        command.SetAction((parse, ct) =>
        {
            ServerOptions flags = new()
            {
                AuthorizedKeysPath = parse.GetValue(authorized) ?? "",
                CertificatePath = parse.GetValue(cert),
                Passphrase = parse.GetValue(PassphraseFile) is string pf ? Identity.PassphraseFile.Read(pf) : null,
                KeyPort = parse.GetValue(KeyPort),
                DataPort = parse.GetValue(DataPort),
                Bind = parse.GetValue(bind),
                Pool = parse.GetValue(pool) ?? TunnelDefaults.Pool,
                Pool6 = parse.GetValue(pool6),
                InterfaceName = parse.GetValue(Interface),
                Mtu = parse.GetValue(Mtu),
                NoPadding = parse.GetValue(NoPadding),
                StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
                StateDirectory = parse.GetValue(stateDir),
                Gateway = parse.GetValue(gateway),
                PushRoutes = parse.GetValue(pushRoutes) ?? [],
                PushDns = parse.GetValue(pushDns) ?? [],
                PushSearchDomains = parse.GetValue(pushDomains) ?? [],
            };
            ServerOptions options = parse.GetValue(ConfigFile) is string config
                ? ServerConfigFile.Overlay(ServerConfigFile.Load(config), flags, Given(parse,
                    (authorized, nameof(flags.AuthorizedKeysPath)), (cert, nameof(flags.CertificatePath)), (PassphraseFile, nameof(flags.Passphrase)),
                    (KeyPort, nameof(flags.KeyPort)), (DataPort, nameof(flags.DataPort)), (bind, nameof(flags.Bind)), (pool, nameof(flags.Pool)),
                    (pool6, nameof(flags.Pool6)), (Interface, nameof(flags.InterfaceName)), (Mtu, nameof(flags.Mtu)), (NoPadding, nameof(flags.NoPadding)),
                    (StatusDir, nameof(flags.StatusDirectory)), (stateDir, nameof(flags.StateDirectory)), (gateway, nameof(flags.Gateway)),
                    (pushRoutes, nameof(flags.PushRoutes)), (pushDns, nameof(flags.PushDns)), (pushDomains, nameof(flags.PushSearchDomains))))
                : flags;
            return run(parse, options, ct);
        });
        return command;
    }

    /// <summary><c>snek connect</c>; <paramref name="run"/> gets the options (the tunnel, or a test's probe).</summary>
    internal static Command CreateConnect(Func<ParseResult, ClientOptions, CancellationToken, Task<int>> run)
    {
        Argument<string?> host = new("host") { Description = "The server's address or host name. Required without --config.", Arity = ArgumentArity.ZeroOrOne };
        Option<string?> cert = new("--cert") { Description = "This client's private key. Required without --config." };
        Option<string?> serverKey = new("--server-key") { Description = "Accept only this server public key (.pub)." };
        Option<string?> trusted = new("--trusted-servers") { Description = $"Accept any server key in this directory (default {TunnelDefaults.TrustedServersPath})." };
        Option<bool> tofu = new("--trust-on-first-use") { Description = "Accept an unknown server key once and record it in the trusted-servers directory." };
        Option<int> rekey = new("--rekey-after") { Description = "Seconds between rekey handshakes (default 120).", DefaultValueFactory = _ => 120, Hidden = true };
        Option<int> reconnect = new("--max-reconnect-delay") { Description = "Longest wait in seconds between reconnection attempts (default 15).", DefaultValueFactory = _ => 15 };
        Option<string[]> alternates = new("--alternate-server") { Description = "Another address of the same server, tried in turn when a connection attempt fails; repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<string[]> routes = new("--route") { Description = "Also route this network (CIDR) through the tunnel; 0.0.0.0/0 or ::/0 is a full tunnel; repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<bool> fullTunnel = new("--full-tunnel") { Description = "Send all traffic through the tunnel (policy routing; the host's routes are not replaced and come back on exit)." };
        Option<bool> killSwitch = new("--kill-switch") { Description = "While the client runs, drop everything this host sends outside the tunnel, also while reconnecting." };
        Option<bool> routeNoPull = new("--route-nopull") { Description = "Ignore every route and DNS setting the server pushes." };
        Option<string[]> pullAllow = new("--pull-allow") { Description = "Accept pushed routes only inside this network (CIDR); repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<string[]> pullDeny = new("--pull-deny") { Description = "Refuse pushed routes overlapping this network (CIDR); repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<bool> noPullDns = new("--no-pull-dns") { Description = "Ignore the DNS servers and search domains the server pushes." };
        Command command = new("connect", "Connect to a VPN server and keep the tunnel up until Ctrl+C or 'snek stop'.")
        {
            host, alternates, ConfigFile, cert, PassphraseFile, serverKey, trusted, tofu, KeyPort, DataPort, routes, Interface, Mtu, NoPadding, StatusDir, reconnect, rekey,
            fullTunnel, killSwitch, routeNoPull, pullAllow, pullDeny, noPullDns,
        };
        command.SetAction((parse, ct) =>
        {
            ClientOptions flags = new()
            {
                Address = parse.GetValue(host) ?? "",
                AlternateAddresses = parse.GetValue(alternates) ?? [],
                CertificatePath = parse.GetValue(cert) ?? "",
                Passphrase = parse.GetValue(PassphraseFile) is string pf ? Identity.PassphraseFile.Read(pf) : null,
                ServerKeyPath = parse.GetValue(serverKey),
                TrustedServersPath = parse.GetValue(trusted),
                TrustOnFirstUse = parse.GetValue(tofu),
                KeyPort = parse.GetValue(KeyPort),
                DataPort = parse.GetValue(DataPort),
                Routes = parse.GetValue(routes) ?? [],
                InterfaceName = parse.GetValue(Interface),
                Mtu = parse.GetValue(Mtu),
                NoPadding = parse.GetValue(NoPadding),
                StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
                MaxReconnectDelay = TimeSpan.FromSeconds(parse.GetValue(reconnect)),
                RekeyAfter = TimeSpan.FromSeconds(parse.GetValue(rekey)),
                FullTunnel = parse.GetValue(fullTunnel),
                KillSwitch = parse.GetValue(killSwitch),
                RouteNoPull = parse.GetValue(routeNoPull),
                PullAllow = parse.GetValue(pullAllow) ?? [],
                PullDeny = parse.GetValue(pullDeny) ?? [],
                NoPullDns = parse.GetValue(noPullDns),
            };
            ClientOptions options = parse.GetValue(ConfigFile) is string config
                ? ClientConfigFile.Overlay(ClientConfigFile.Load(config), flags, Given(parse,
                    (host, nameof(flags.Address)), (alternates, nameof(flags.AlternateAddresses)), (cert, nameof(flags.CertificatePath)), (PassphraseFile, nameof(flags.Passphrase)),
                    (serverKey, nameof(flags.ServerKeyPath)), (trusted, nameof(flags.TrustedServersPath)), (tofu, nameof(flags.TrustOnFirstUse)),
                    (KeyPort, nameof(flags.KeyPort)), (DataPort, nameof(flags.DataPort)), (routes, nameof(flags.Routes)), (Interface, nameof(flags.InterfaceName)),
                    (Mtu, nameof(flags.Mtu)), (NoPadding, nameof(flags.NoPadding)), (StatusDir, nameof(flags.StatusDirectory)),
                    (reconnect, nameof(flags.MaxReconnectDelay)), (rekey, nameof(flags.RekeyAfter)), (fullTunnel, nameof(flags.FullTunnel)),
                    (killSwitch, nameof(flags.KillSwitch)), (routeNoPull, nameof(flags.RouteNoPull)), (pullAllow, nameof(flags.PullAllow)),
                    (pullDeny, nameof(flags.PullDeny)), (noPullDns, nameof(flags.NoPullDns))))
                : flags;
            return run(parse, options, ct);
        });
        return command;
    }

    // The options property names of the flags and arguments typed on the command line (not defaults).
    private static HashSet<string> Given(ParseResult parse, params (Symbol Symbol, string Property)[] map)
    {
        HashSet<string> given = new(StringComparer.Ordinal);
        foreach ((Symbol symbol, string property) in map)
        {
            bool typed = symbol switch
            {
                Option option => parse.GetResult(option) is { Implicit: false },
                Argument argument => parse.GetResult(argument) is { Tokens.Count: > 0 },
                _ => false,
            };
            if (typed)
            {
                given.Add(property);
            }
        }

        return given;
    }

    private static Command CreateShow()
    {
        Option<string?> fingerprint = new("--fingerprint", "-f") { Description = "Only the session with this peer (full, short, or a prefix of the short fingerprint)." };
        Option<bool> server = new("--server") { Description = "Instead of sessions, each running server's handshake counters (in progress, refused, evicted, timed out)." };
        Command command = new("show", "Show the sessions of every running tunnel (--json for JSON lines).") { Interface, fingerprint, server, StatusDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new GetSessionCommand(), new GetSessionOptions
        {
            InterfaceName = parse.GetValue(Interface),
            Fingerprint = parse.GetValue(fingerprint),
            Server = parse.GetValue(server),
            StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
        }, ct));
        return command;
    }

    private static Command CreateDisconnect()
    {
        Argument<string> fingerprint = new("fingerprint") { Description = "The peer to disconnect (full, short, or a prefix of the short fingerprint)." };
        Command command = new("disconnect", "Disconnect one peer from the running tunnel(s).") { fingerprint, Interface, StatusDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new DisconnectPeerCommand(), new DisconnectPeerOptions
        {
            Fingerprint = parse.GetRequiredValue(fingerprint),
            InterfaceName = parse.GetValue(Interface),
            StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
        }, ct));
        return command;
    }

    private static Command CreateStop()
    {
        Argument<string> name = new("interface") { Description = "The tunnel's interface, e.g. snk0." };
        Command command = new("stop", "Stop a running tunnel (it removes its interface and socket).") { name, StatusDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new StopTunnelCommand(), new StopTunnelOptions
        {
            InterfaceName = parse.GetRequiredValue(name),
            StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
        }, ct));
        return command;
    }

    /// <summary>
    /// Runs a tunnel command with console logging, the service manager link (<c>$NOTIFY_SOCKET</c>) and
    /// SIGHUP as a reload request; a tunnel with nothing to re-read logs that and keeps running.
    /// </summary>
    private static async Task<int> RunTunnelAsync<TOptions>(ParseResult parse, Func<ILoggerFactory, ServiceLifecycle, ISnekCommand<TOptions>> create, TOptions options, CancellationToken ct)
    {
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        using ILoggerFactory factory = LoggerFactory.Create(b => b
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddFilter("Microsoft", LogLevel.Warning));
        ILogger logger = factory.CreateLogger("Jormungandr.Service");
        using ServiceLifecycle service = ServiceLifecycle.FromEnvironment(message => logger.LogWarning("{Message}", message));
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // a reload request, not the end
            if (!service.RequestReload())
            {
                logger.LogInformation("SIGHUP: this tunnel has nothing to re-read");
            }
        });
        try
        {
            return await CliRunner.RunAsync(parse, create(factory, service), options, ct, stream: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }
}
