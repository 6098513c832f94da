using System.Management.Automation;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Provisioning;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Revokes a VPN client.</para>
/// <para type="description">Removes the client's key (and its static-address and networks files) from
/// the server's authorized-keys directory; a running server drops its session within seconds.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "SnekClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SnekClient))] // only with -PassThru
public sealed class RemoveSnekClientCommand : SnekCmdlet
{
    /// <summary>The client to revoke.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The server's authorized-keys directory.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AuthorizedKeysPath")]
    [ValidateNotNullOrEmpty]
    public string AuthorizedKeys { get; set; } = "";

    /// <summary>Writes the revoked client.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The command's options from the bound parameters.</summary>
    internal RemoveClientOptions CreateOptions(Func<string, string> resolve) => new() { Name = Name, AuthorizedKeysPath = resolve(AuthorizedKeys), PassThru = PassThru.IsPresent };

    /// <summary>Revokes one client per pipeline object.</summary>
    protected override void ProcessRecord() => Run(new RemoveClientCommand(), CreateOptions(ResolvePath), target: Name, terminating: false);
}
