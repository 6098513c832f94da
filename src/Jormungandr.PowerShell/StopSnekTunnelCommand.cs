using System.Management.Automation;
using Jormungandr.PowerShell.Completion;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Stops a running Jormungandr tunnel.</para>
/// <para type="description">Asks the tunnel, through its status socket, to disconnect its peers and
/// remove its interface, even when another process started it.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "SnekTunnel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekSessionEvent))] // only with -PassThru
public sealed class StopSnekTunnelCommand : SnekCmdlet
{
    /// <summary>The tunnel to stop.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string InterfaceName { get; set; } = "";

    /// <summary>Writes a SnekSessionEvent describing what was done.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The command's options from the bound parameters.</summary>
    internal StopTunnelOptions CreateOptions() => new() { InterfaceName = InterfaceName };

    /// <summary>Stops one tunnel per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        if (!ShouldProcess(InterfaceName, "Stop tunnel"))
        {
            return;
        }

        StopTunnelOptions options = CreateOptions();
        if (Run(new StopTunnelCommand(), options, confirmed: true, target: InterfaceName, terminating: false) && PassThru.IsPresent)
        {
            WriteObject(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, Kind = SessionEventKind.Stopped, InterfaceName = InterfaceName, Message = "tunnel stopped" });
        }
    }
}
