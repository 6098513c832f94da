using System.Management.Automation;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Provisioning;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Lists the clients a server authorizes.</para>
/// <para type="description">Reads the authorized-keys directory and writes a SnekClient per client:
/// name, fingerprint, static addresses and networks.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnekClient")]
[OutputType(typeof(SnekClient))]
public sealed class GetSnekClientCommand : SnekCmdlet
{
    /// <summary>Only the client with this name.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The server's authorized-keys directory.</summary>
    [Parameter(Mandatory = true)]
    [Alias("AuthorizedKeysPath")]
    [ValidateNotNullOrEmpty]
    public string AuthorizedKeys { get; set; } = "";

    /// <summary>The command's options from the bound parameters.</summary>
    internal GetClientOptions CreateOptions(Func<string, string> resolve) => new() { Name = Name, AuthorizedKeysPath = resolve(AuthorizedKeys) };

    /// <summary>Lists the clients.</summary>
    protected override void EndProcessing() => Run(new GetClientCommand(), CreateOptions(ResolvePath), target: Name);
}
