using System.Management.Automation;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Service;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Removes a Jormungandr tunnel's systemd service.</para>
/// <para type="description">Disables and stops the instance when systemd runs, then removes its enable
/// link and, when no other instance uses it, the unit file.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "SnekService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SnekServiceStatus))] // only with -PassThru
public sealed class UninstallSnekServiceCommand : SnekServiceCmdlet
{
    /// <summary>Writes the unit's state after the removal.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal ServiceOptions CreateOptions(Func<string, string> resolve) => SharedOptions(resolve);

    /// <summary>Removes one unit per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        ServiceOptions options = CreateOptions(ResolvePath);
        Validate(options.Validate);
        if (Run(new UninstallServiceCommand(), options, target: Name, terminating: false) && PassThru.IsPresent)
        {
            Run(new GetServiceCommand(), options, target: Name, terminating: false);
        }
    }
}
