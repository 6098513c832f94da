using System.Management.Automation;
using Jormungandr.Service;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// The parameters every service cmdlet shares (which tunnel, which role, where its unit file is), so
/// Install-, Get- and Uninstall-SnekService bind them the same way.
/// </summary>
public abstract class SnekServiceCmdlet : SnekCmdlet
{
    /// <summary>The tunnel's name; the unit reads /etc/jormungandr/NAME.toml.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Server or Client.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ServiceRole Role { get; set; } = ServiceRole.Server;

    /// <summary>The directory of the unit file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string UnitDirectory { get; set; } = ServiceUnit.DefaultUnitDirectory;

    /// <summary>The options these shared parameters give; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    private protected ServiceOptions SharedOptions(Func<string, string> resolve) =>
        new() { Name = Name, Role = Role, UnitDirectory = resolve(UnitDirectory) };
}
