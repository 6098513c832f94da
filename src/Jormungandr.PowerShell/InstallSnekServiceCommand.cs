using System.Management.Automation;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Service;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Installs a Jormungandr tunnel as a systemd service.</para>
/// <para type="description">Writes the jormungandr-server@ or jormungandr-client@ unit file and, when
/// systemd is the running init, enables the instance for -Name.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "SnekService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekServiceStatus))]
public sealed class InstallSnekServiceCommand : SnekServiceCmdlet
{
    /// <summary>The snek program for ExecStart=.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Executable { get; set; }

    /// <summary>Also starts the unit.</summary>
    [Parameter]
    public SwitchParameter Now { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal ServiceOptions CreateOptions(Func<string, string> resolve) => SharedOptions(resolve) with
    {
        Executable = Executable is null ? null : resolve(Executable),
        Now = Now.IsPresent,
    };

    /// <summary>Installs one unit per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        ServiceOptions options = CreateOptions(ResolvePath);
        Validate(options.Validate);
        Run(new InstallServiceCommand(), options, target: Name, terminating: false);
    }
}
