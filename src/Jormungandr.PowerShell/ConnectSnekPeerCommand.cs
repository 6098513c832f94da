using System.Management.Automation;
using System.Security;
using Jormungandr.Configuration;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Connects to a Jormungandr VPN server.</para>
/// <para type="description">Keeps the tunnel up (reconnecting with backoff) and writes session events
/// until Ctrl+C, or runs in a background job with -AsJob.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "SnekPeer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TrustedServersSet)]
[OutputType(typeof(SnekSessionEvent), typeof(SnekJob))]
public sealed class ConnectSnekPeerCommand : SnekCmdlet
{
    private const string TrustedServersSet = "TrustedServers";
    private const string ServerKeySet = "ServerKey";
    private const string ConfigSet = "Config";

    /// <summary>A client.toml or client profile (docs/config.md); parameters given explicitly override it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>The server: an address or a host name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TrustedServersSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ServerKeySet)]
    [Parameter(Position = 0, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string Address { get; set; } = "";

    /// <summary>Further addresses of the same server, tried in turn when a connection attempt fails.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] AlternateAddress { get; set; } = [];

    /// <summary>The client's private key.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = TrustedServersSet)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ServerKeySet)]
    [Parameter(Position = 1, ParameterSetName = ConfigSet)]
    [Alias("CertificatePath")]
    [ValidateNotNullOrEmpty]
    public string Certificate { get; set; } = "";

    /// <summary>Passphrase of an encrypted private key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>The server's public key (.pub): only this server is accepted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServerKeySet)]
    [Alias("ServerKeyPath")]
    [ValidateNotNullOrEmpty]
    public string ServerKey { get; set; } = "";

    /// <summary>Directory of trusted server keys (*.pub); default /etc/jormungandr/trusted-servers.</summary>
    [Parameter(ParameterSetName = TrustedServersSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    [Alias("TrustedServersPath")]
    [ValidateNotNullOrEmpty]
    public string? TrustedServers { get; set; }

    /// <summary>Accepts an unknown server key once and records it in the trusted-servers directory.</summary>
    [Parameter(ParameterSetName = TrustedServersSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter TrustOnFirstUse { get; set; }

    /// <summary>TCP port of the server's key channel.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int KeyPort { get; set; } = TunnelDefaults.KeyPort;

    /// <summary>UDP port of the server's data channel.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int DataPort { get; set; } = TunnelDefaults.DataPort;

    /// <summary>Extra routes (CIDR) sent through the tunnel.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Route { get; set; } = [];

    /// <summary>Sends all traffic through the tunnel (policy routing; the host's routes come back on exit).</summary>
    [Parameter]
    public SwitchParameter FullTunnel { get; set; }

    /// <summary>While the client runs, drops everything this host sends outside the tunnel, also while reconnecting.</summary>
    [Parameter]
    public SwitchParameter KillSwitch { get; set; }

    /// <summary>Ignores every route and DNS setting the server pushes.</summary>
    [Parameter]
    public SwitchParameter RouteNoPull { get; set; }

    /// <summary>Accepts pushed routes only inside these networks (CIDR).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] PullAllow { get; set; } = [];

    /// <summary>Refuses pushed routes overlapping these networks (CIDR).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] PullDeny { get; set; } = [];

    /// <summary>Ignores the DNS servers and search domains the server pushes.</summary>
    [Parameter]
    public SwitchParameter NoPullDns { get; set; }

    /// <summary>TUN interface name; the first free snkN when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? InterfaceName { get; set; }

    /// <summary>Inner MTU; derived from the underlay when omitted.</summary>
    [Parameter]
    [ValidateRange(576, 65535)]
    public int Mtu
    {
        get => _mtu ?? 0;
        set => _mtu = value;
    }

    private int? _mtu;

    /// <summary>Turns off size-bucket padding of inner packets.</summary>
    [Parameter]
    public SwitchParameter NoPadding { get; set; }

    /// <summary>Runs the tunnel in a background job and returns the job at once.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal ClientOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            Address = Address,
            AlternateAddresses = AlternateAddress,
            CertificatePath = string.IsNullOrEmpty(Certificate) ? "" : resolve(Certificate),
            Passphrase = SecureStrings.Reveal(Passphrase),
            ServerKeyPath = string.IsNullOrEmpty(ServerKey) ? null : resolve(ServerKey),
            TrustedServersPath = TrustedServers is null ? null : resolve(TrustedServers),
            TrustOnFirstUse = TrustOnFirstUse.IsPresent,
            KeyPort = KeyPort,
            DataPort = DataPort,
            Routes = Route,
            InterfaceName = InterfaceName,
            Mtu = _mtu,
            NoPadding = NoPadding.IsPresent,
            FullTunnel = FullTunnel.IsPresent,
            KillSwitch = KillSwitch.IsPresent,
            RouteNoPull = RouteNoPull.IsPresent,
            PullAllow = PullAllow,
            PullDeny = PullDeny,
            NoPullDns = NoPullDns.IsPresent,
        };

    /// <summary>
    /// The options: from the bound parameters, or from <see cref="ConfigPath"/> with the parameters named
    /// in <paramref name="bound"/> (those given explicitly) put over the file.
    /// </summary>
    internal ClientOptions CreateOptions(Func<string, string> resolve, IEnumerable<string> bound)
    {
        ClientOptions parameters = CreateOptions(resolve);
        if (ConfigPath is null)
        {
            return parameters;
        }

        Dictionary<string, string> properties = new(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(Certificate)] = nameof(ClientOptions.CertificatePath),
            [nameof(ServerKey)] = nameof(ClientOptions.ServerKeyPath),
            [nameof(TrustedServers)] = nameof(ClientOptions.TrustedServersPath),
            [nameof(Route)] = nameof(ClientOptions.Routes),
            [nameof(AlternateAddress)] = nameof(ClientOptions.AlternateAddresses),
        };
        HashSet<string> given = [.. bound.Select(name => properties.GetValueOrDefault(name, name))];
        return ClientConfigFile.Overlay(ClientConfigFile.Load(resolve(ConfigPath)), parameters, given);
    }

    /// <summary>Connects.</summary>
    protected override void EndProcessing()
    {
        ClientOptions options = default!;
        Validate(() => options = CreateOptions(ResolvePath, MyInvocation.BoundParameters.Keys));
        Validate(options.Validate);
        string address = options.Address;
        if (!ShouldProcess($"{address} (key port {options.KeyPort}/tcp, data port {options.DataPort}/udp)", "Connect VPN tunnel"))
        {
            return;
        }

        WriteVerbose($"Connecting to {address}: key port {options.KeyPort}, data port {options.DataPort}, {(options.PrivateKey is null ? "certificate " + options.CertificatePath : "the profile's private key")}.");
        ConnectPeerCommand command = new();
        if (AsJob.IsPresent)
        {
            StartJob(CommandLine, options.InterfaceName ?? address, (output, token) => command.ExecuteAsync(options, output, token));
            return;
        }

        // A progress bar while the user waits for the first handshake; the first event that settles it ends it.
        ProgressRecord progress = new(ProgressActivityId, $"Connecting to {address}", $"Handshaking on key port {options.KeyPort}/tcp");
        WriteProgress(progress);
        bool settled = false;
        void Settle(object value)
        {
            if (!settled && value is SnekSessionEvent { Kind: SessionEventKind.Established or SessionEventKind.Error or SessionEventKind.Stopped } e)
            {
                settled = true;
                WriteProgress(new ProgressRecord(ProgressActivityId, progress.Activity, e.Kind.ToString()) { RecordType = ProgressRecordType.Completed });
            }
        }

        // On a terminating error PowerShell removes the bar itself when the command ends.
        Run(command, options, confirmed: true, target: address, onObject: Settle);
        if (!settled && !Stopping)
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, progress.Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private const int ProgressActivityId = 0x5E2C;
}
