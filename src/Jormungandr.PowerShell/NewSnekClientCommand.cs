using System.Management.Automation;
using System.Security;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Provisioning;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Provisions a VPN client in one step.</para>
/// <para type="description">Creates a client identity (or takes an existing public key), authorizes it
/// under a name in the server's authorized-keys directory and writes one client profile that
/// Connect-SnekPeer -ConfigPath uses as is.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "SnekClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekClient))]
public sealed class NewSnekClientCommand : SnekCmdlet
{
    /// <summary>The client's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The server's authorized-keys directory.</summary>
    [Parameter(Mandatory = true)]
    [Alias("AuthorizedKeysPath")]
    [ValidateNotNullOrEmpty]
    public string AuthorizedKeys { get; set; } = "";

    /// <summary>The server's addresses or host names, tried in turn by the client.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] ServerAddress { get; set; } = [];

    /// <summary>Where the profile is written; may name the client through the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ProfilePath")]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = "";

    /// <summary>The server's public key to pin.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ServerKey { get; set; }

    /// <summary>An existing client public key to authorize instead of creating one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PublicKey { get; set; }

    /// <summary>Static tunnel addresses (one IPv4, optionally one IPv6).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Address { get; set; } = [];

    /// <summary>Networks behind the client (CIDR).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Network { get; set; } = [];

    /// <summary>Armors the profile's private key under this passphrase.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>The server's key port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int KeyPort { get; set; } = TunnelDefaults.KeyPort;

    /// <summary>The server's data port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int DataPort { get; set; } = TunnelDefaults.DataPort;

    /// <summary>Replaces an existing client of that name and an existing profile.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal AddClientOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            Name = Name,
            AuthorizedKeysPath = resolve(AuthorizedKeys),
            ServerAddresses = ServerAddress,
            ProfilePath = resolve(OutFile),
            ServerKeyPath = ServerKey is null ? new AddClientOptions().ServerKeyPath : resolve(ServerKey),
            PublicKeyPath = PublicKey is null ? null : resolve(PublicKey),
            Addresses = Address,
            Networks = Network,
            Passphrase = SecureStrings.Reveal(Passphrase),
            KeyPort = KeyPort,
            DataPort = DataPort,
            Force = Force.IsPresent,
        };

    /// <summary>Provisions one client per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        // The command asks ShouldProcess itself once it knows the fingerprint.
        Run(new AddClientCommand(), CreateOptions(ResolvePath), target: Name, terminating: false);
    }
}
