using System.CommandLine;
using Jormungandr.Commands;
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
    public static IEnumerable<Command> Create() => [CreateServer(), CreateConnect(), CreateShow(), CreateDisconnect(), CreateStop(), Demo.DemoCli.Create(), Demo.DemoHelper.Create(), Demo.TunnelBenchCli.Create(), Demo.SoakCli.Create()];

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

    private static Command CreateServer()
    {
        Option<string> authorized = new("--authorized-keys", "-a") { Description = "Directory of authorized client keys (*.pub), re-read when it changes.", Required = true };
        Option<string?> cert = new("--cert") { Description = $"Server private key (default {TunnelDefaults.ServerKeyPath}, created if missing)." };
        Option<string?> bind = new("--bind") { Description = "Listen on this address only (default: all IPv4 and IPv6 addresses)." };
        Option<string> pool = new("--pool") { Description = "IPv4 tunnel address pool (CIDR, /16 to /30); the server takes the first address.", DefaultValueFactory = _ => TunnelDefaults.Pool };
        Option<string?> pool6 = new("--pool6") { Description = "Optional IPv6 tunnel address pool (CIDR, /64 to /120)." };
        Command command = new("server", "Run a VPN server until Ctrl+C or 'snek stop': one TUN for many clients.")
        {
            authorized, cert, PassphraseFile, KeyPort, DataPort, bind, pool, pool6, Interface, Mtu, NoPadding, StatusDir,
        };
        command.SetAction((parse, ct) =>
        {
            ServerOptions options = new()
            {
                AuthorizedKeysPath = parse.GetRequiredValue(authorized),
                CertificatePath = parse.GetValue(cert),
                Passphrase = ReadPassphraseFile(parse.GetValue(PassphraseFile)),
                KeyPort = parse.GetValue(KeyPort),
                DataPort = parse.GetValue(DataPort),
                Bind = parse.GetValue(bind),
                Pool = parse.GetValue(pool) ?? TunnelDefaults.Pool,
                Pool6 = parse.GetValue(pool6),
                InterfaceName = parse.GetValue(Interface),
                Mtu = parse.GetValue(Mtu),
                NoPadding = parse.GetValue(NoPadding),
                StatusDirectory = parse.GetValue(StatusDir) ?? TunnelDefaults.StatusDirectory,
            };
            return RunTunnelAsync(parse, factory => new StartServerCommand(factory), options, ct);
        });
        return command;
    }

    private static Command CreateConnect()
    {
        Argument<string> host = new("host") { Description = "The server's address or host name." };
        Option<string> cert = new("--cert") { Description = "This client's private key.", Required = true };
        Option<string?> serverKey = new("--server-key") { Description = "Accept only this server public key (.pub)." };
        Option<string?> trusted = new("--trusted-servers") { Description = $"Accept any server key in this directory (default {TunnelDefaults.TrustedServersPath})." };
        Option<bool> tofu = new("--trust-on-first-use") { Description = "Accept an unknown server key once and record it in the trusted-servers directory." };
        Option<int> rekey = new("--rekey-after") { Description = "Seconds between rekey handshakes (default 120).", DefaultValueFactory = _ => 120, Hidden = true };
        Option<string[]> routes = new("--route") { Description = "Also route this network (CIDR) through the tunnel; repeatable.", AllowMultipleArgumentsPerToken = false };
        Command command = new("connect", "Connect to a VPN server and keep the tunnel up until Ctrl+C or 'snek stop'.")
        {
            host, cert, PassphraseFile, serverKey, trusted, tofu, KeyPort, DataPort, routes, Interface, Mtu, NoPadding, StatusDir, rekey,
        };
        command.SetAction((parse, ct) =>
        {
            ClientOptions options = new()
            {
                Address = parse.GetRequiredValue(host),
                CertificatePath = parse.GetRequiredValue(cert),
                Passphrase = ReadPassphraseFile(parse.GetValue(PassphraseFile)),
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
                RekeyAfter = TimeSpan.FromSeconds(parse.GetValue(rekey)),
            };
            return RunTunnelAsync(parse, factory => new ConnectPeerCommand(factory), options, ct);
        });
        return command;
    }

    private static Command CreateShow()
    {
        Option<string?> fingerprint = new("--fingerprint", "-f") { Description = "Only the session with this peer (full, short, or a prefix of the short fingerprint)." };
        Command command = new("show", "Show the sessions of every running tunnel (--json for JSON lines).") { Interface, fingerprint, StatusDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new GetSessionCommand(), new GetSessionOptions
        {
            InterfaceName = parse.GetValue(Interface),
            Fingerprint = parse.GetValue(fingerprint),
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

    private static async Task<int> RunTunnelAsync<TOptions>(ParseResult parse, Func<ILoggerFactory, ISnekCommand<TOptions>> create, TOptions options, CancellationToken ct)
    {
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        using ILoggerFactory factory = LoggerFactory.Create(b => b
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddFilter("Microsoft", LogLevel.Warning));
        try
        {
            return await CliRunner.RunAsync(parse, create(factory), options, ct, stream: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }

    private static string? ReadPassphraseFile(string? file)
    {
        if (file is null)
        {
            return null;
        }

        var info = new FileInfo(file);
        if (!info.Exists)
        {
            throw new SnekException("PassphraseFileNotFound", ErrorKind.ObjectNotFound, $"The passphrase file '{file}' does not exist.", file);
        }

        if (info.Length > 4096)
        {
            throw new SnekException("PassphraseFileTooLarge", ErrorKind.InvalidArgument, $"The passphrase file '{file}' is larger than 4096 bytes.", file);
        }

        using var reader = new StreamReader(file);
        string? line = reader.ReadLine();
        if (string.IsNullOrEmpty(line))
        {
            throw new SnekException("PassphraseEmpty", ErrorKind.InvalidArgument, $"No passphrase in '{file}': the first line is empty.", file);
        }

        return line;
    }
}
