using System.Management.Automation;
using Jormungandr.PowerShell.Runtime;
using Jormungandr.Service;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Gets the state of a Jormungandr tunnel's systemd service.</para>
/// <para type="description">Reports whether the unit file is installed and current, whether the instance
/// is enabled, and systemd's active state and status line when systemd runs.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnekService")]
[OutputType(typeof(SnekServiceStatus))]
public sealed class GetSnekServiceCommand : SnekServiceCmdlet
{
    /// <summary>The snek the installed unit is compared with.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Executable { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal ServiceOptions CreateOptions(Func<string, string> resolve) => SharedOptions(resolve) with
    {
        Executable = Executable is null ? null : resolve(Executable),
    };

    /// <summary>Reports one unit per pipeline object.</summary>
    protected override void ProcessRecord()
    {
        ServiceOptions options = CreateOptions(ResolvePath);
        Validate(options.Validate);
        Run(new GetServiceCommand(), options, target: Name, terminating: false);
    }
}
