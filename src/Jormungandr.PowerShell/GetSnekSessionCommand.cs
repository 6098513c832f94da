using System.Management.Automation;
using Jormungandr.PowerShell.Completion;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Gets the sessions of the running Jormungandr tunnels on this machine.</para>
/// <para type="description">Asks every running tunnel (or one) through its status socket, so the
/// sessions of tunnels started by other processes are listed too.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnekSession")]
[OutputType(typeof(SnekSession), typeof(SnekServerStatus))]
public sealed class GetSnekSessionCommand : SnekCmdlet
{
    /// <summary>Only this tunnel.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? InterfaceName { get; set; }

    /// <summary>Only the session with this peer fingerprint (SHA256:… or the short hex form).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PeerFingerprint")]
    [ArgumentCompleter(typeof(FingerprintCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Fingerprint { get; set; }

    /// <summary>Instead of sessions, each running server's handshake counters.</summary>
    [Parameter]
    public SwitchParameter Server { get; set; }

    /// <summary>The command's options from the bound parameters.</summary>
    internal GetSessionOptions CreateOptions() => new() { InterfaceName = InterfaceName, Fingerprint = Fingerprint, Server = Server.IsPresent };

    /// <summary>Lists the sessions.</summary>
    protected override void ProcessRecord()
    {
        GetSessionOptions options = CreateOptions();
        WriteVerbose($"Reading sessions from the status sockets in {options.StatusDirectory}.");
        Run(new GetSessionCommand(), options, target: (object?)InterfaceName ?? Fingerprint, terminating: false);
    }
}
