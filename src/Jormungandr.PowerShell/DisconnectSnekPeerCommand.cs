using System.Management.Automation;
using Jormungandr.PowerShell.Completion;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Disconnects a peer from a running Jormungandr tunnel.</para>
/// <para type="description">Takes the fingerprint (and interface) directly or from Get-SnekSession
/// objects on the pipeline.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "SnekPeer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekSessionEvent))] // only with -PassThru
public sealed class DisconnectSnekPeerCommand : SnekCmdlet
{
    /// <summary>The peer to disconnect (SHA256:… or the short hex form).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PeerFingerprint")]
    [ArgumentCompleter(typeof(FingerprintCompleter))]
    [ValidateNotNullOrEmpty]
    public string Fingerprint { get; set; } = "";

    /// <summary>Only in this tunnel; every running tunnel when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? InterfaceName { get; set; }

    /// <summary>Writes a SnekSessionEvent describing what was done.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The command's options from the bound parameters.</summary>
    internal DisconnectPeerOptions CreateOptions() => new() { Fingerprint = Fingerprint, InterfaceName = InterfaceName };

    /// <summary>Disconnects one peer per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        string target = InterfaceName is null ? $"peer {Fingerprint} (every tunnel)" : $"peer {Fingerprint} on {InterfaceName}";
        if (!ShouldProcess(target, "Disconnect"))
        {
            return;
        }

        DisconnectPeerOptions options = CreateOptions();
        if (Run(new DisconnectPeerCommand(), options, confirmed: true, target: Fingerprint, terminating: false) && PassThru.IsPresent)
        {
            WriteObject(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, Kind = SessionEventKind.Disconnected, InterfaceName = InterfaceName ?? string.Empty, PeerFingerprint = Fingerprint, Message = InterfaceName is null ? "disconnected from every tunnel that had a session with it" : "disconnected" });
        }
    }
}
