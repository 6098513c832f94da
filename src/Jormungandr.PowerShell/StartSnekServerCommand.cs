using System.Management.Automation;
using System.Security;
using Jormungandr.Configuration;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Starts a Jormungandr VPN server.</para>
/// <para type="description">Runs the server in the foreground, writing session events as they happen
/// until Ctrl+C, or in a background job with -AsJob.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SnekServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ParametersSet)]
[OutputType(typeof(SnekSessionEvent), typeof(SnekJob))]
public sealed class StartSnekServerCommand : SnekCmdlet
{
    private const string ParametersSet = "Parameters";
    private const string ConfigSet = "Config";

    /// <summary>A server.toml with the options (docs/config.md); parameters given explicitly override it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Directory of authorized client public keys (*.pub).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParametersSet)]
    [Parameter(Position = 0, ParameterSetName = ConfigSet)]
    [Alias("AuthorizedKeysPath")]
    [ValidateNotNullOrEmpty]
    public string AuthorizedKeys { get; set; } = "";

    /// <summary>The server's private key; default /var/lib/jormungandr/server.key (created when missing).</summary>
    [Parameter]
    [Alias("CertificatePath")]
    [ValidateNotNullOrEmpty]
    public string? Certificate { get; set; }

    /// <summary>Passphrase of an encrypted private key.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>TCP port of the key channel.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int KeyPort { get; set; } = TunnelDefaults.KeyPort;

    /// <summary>UDP port of the data channel.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int DataPort { get; set; } = TunnelDefaults.DataPort;

    /// <summary>Local address to listen on; all addresses when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bind { get; set; }

    /// <summary>IPv4 tunnel address pool (CIDR).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Pool { get; set; } = TunnelDefaults.Pool;

    /// <summary>Optional IPv6 tunnel address pool (CIDR).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Pool6 { get; set; }

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

    /// <summary>Where address leases survive restarts; /var/lib/jormungandr/&lt;interface&gt; when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    /// <summary>Forwards and masquerades the pools' traffic out of the server's other interfaces (restored on exit).</summary>
    [Parameter]
    public SwitchParameter Gateway { get; set; }

    /// <summary>Routes (CIDR) pushed to clients that ask; 0.0.0.0/0 or ::/0 asks them for a full tunnel.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] PushRoute { get; set; } = [];

    /// <summary>DNS server addresses pushed to clients that ask (at most 4).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] PushDns { get; set; } = [];

    /// <summary>DNS search domains pushed to clients that ask (at most 6).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] PushSearchDomain { get; set; } = [];

    /// <summary>Runs the server in a background job and returns the job at once.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal ServerOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            AuthorizedKeysPath = resolve(AuthorizedKeys),
            CertificatePath = Certificate is null ? null : resolve(Certificate),
            Passphrase = SecureStrings.Reveal(Passphrase),
            KeyPort = KeyPort,
            DataPort = DataPort,
            Bind = Bind,
            Pool = Pool,
            Pool6 = Pool6,
            InterfaceName = InterfaceName,
            Mtu = _mtu,
            NoPadding = NoPadding.IsPresent,
            StateDirectory = StateDirectory is null ? null : resolve(StateDirectory),
            Gateway = Gateway.IsPresent,
            PushRoutes = PushRoute,
            PushDns = PushDns,
            PushSearchDomains = PushSearchDomain,
        };

    /// <summary>
    /// The options: from the bound parameters, or from <see cref="ConfigPath"/> with the parameters named
    /// in <paramref name="bound"/> (those given explicitly) put over the file.
    /// </summary>
    internal ServerOptions CreateOptions(Func<string, string> resolve, IEnumerable<string> bound)
    {
        ServerOptions parameters = CreateOptions(resolve);
        if (ConfigPath is null)
        {
            return parameters;
        }

        Dictionary<string, string> properties = new(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(AuthorizedKeys)] = nameof(ServerOptions.AuthorizedKeysPath),
            [nameof(Certificate)] = nameof(ServerOptions.CertificatePath),
            [nameof(InterfaceName)] = nameof(ServerOptions.InterfaceName),
            [nameof(PushRoute)] = nameof(ServerOptions.PushRoutes),
            [nameof(PushSearchDomain)] = nameof(ServerOptions.PushSearchDomains),
        };
        HashSet<string> given = [.. bound.Select(name => properties.GetValueOrDefault(name, name))];
        return ServerConfigFile.Overlay(ServerConfigFile.Load(resolve(ConfigPath)), parameters, given);
    }

    /// <summary>Starts the server.</summary>
    protected override void EndProcessing()
    {
        ServerOptions options = default!;
        Validate(() => options = CreateOptions(ResolvePath, MyInvocation.BoundParameters.Keys));
        Validate(options.Validate);
        string where = options.InterfaceName ?? "a new snk interface";
        if (!ShouldProcess($"{where}, key port {options.KeyPort}/tcp, data port {options.DataPort}/udp, pool {options.Pool}", "Start VPN server"))
        {
            return;
        }

        WriteVerbose($"Starting the server: authorized keys in {options.AuthorizedKeysPath}, key port {options.KeyPort}, data port {options.DataPort}, pool {options.Pool}.");
        StartServerCommand command = new();
        if (AsJob.IsPresent)
        {
            StartJob(CommandLine, options.InterfaceName ?? "localhost", (output, token) => command.ExecuteAsync(options, output, token));
            return;
        }

        Run(command, options, confirmed: true, target: options.InterfaceName);
    }
}
