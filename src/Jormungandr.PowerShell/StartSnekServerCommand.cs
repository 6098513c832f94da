using System.Management.Automation;
using System.Security;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Starts a Jormungandr VPN server.</para>
/// <para type="description">Runs the server in the foreground, writing session events as they happen
/// until Ctrl+C, or in a background job with -AsJob.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SnekServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekSessionEvent), typeof(SnekJob))]
public sealed class StartSnekServerCommand : SnekCmdlet
{
    /// <summary>Directory of authorized client public keys (*.pub).</summary>
    [Parameter(Mandatory = true, Position = 0)]
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
        };

    /// <summary>Starts the server.</summary>
    protected override void EndProcessing()
    {
        ServerOptions options = CreateOptions(ResolvePath);
        Validate(options.Validate);
        string where = InterfaceName ?? "a new snk interface";
        if (!ShouldProcess($"{where}, key port {KeyPort}/tcp, data port {DataPort}/udp, pool {Pool}", "Start VPN server"))
        {
            return;
        }

        WriteVerbose($"Starting the server: authorized keys in {options.AuthorizedKeysPath}, key port {KeyPort}, data port {DataPort}, pool {Pool}.");
        StartServerCommand command = new();
        if (AsJob.IsPresent)
        {
            StartJob(CommandLine, InterfaceName ?? "localhost", (output, token) => command.ExecuteAsync(options, output, token));
            return;
        }

        Run(command, options, confirmed: true, target: InterfaceName);
    }
}
