using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>Options of <c>snek service install|uninstall|status</c> and Install-/Uninstall-/Get-SnekService.</summary>
public sealed record ServiceOptions
{
    /// <summary>The tunnel's name: the unit instance (<c>jormungandr-server@NAME</c>) and its configuration file <c>/etc/jormungandr/NAME.toml</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Server or client unit.</summary>
    public ServiceRole Role { get; init; } = ServiceRole.Server;

    /// <summary>Where unit files go; systemd is asked to reload and enable only when this is one of its unit directories.</summary>
    public string UnitDirectory { get; init; } = ServiceUnit.DefaultUnitDirectory;

    /// <summary>Install: the snek program for ExecStart=; null uses this snek or /usr/local/bin/snek.</summary>
    public string? Executable { get; init; }

    /// <summary>Install: also start the unit now (<c>systemctl enable --now</c>).</summary>
    public bool Now { get; init; }

    /// <summary>Checks every value; throws <see cref="SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        ServiceUnit.CheckName(Name);
        if (!Enum.IsDefined(Role))
        {
            throw new SnekException("InvalidRole", ErrorKind.InvalidArgument, $"Role must be Server or Client, not {Role}.", Role);
        }

        if (string.IsNullOrWhiteSpace(UnitDirectory))
        {
            throw new SnekException("InvalidUnitDirectory", ErrorKind.InvalidArgument, "UnitDirectory must not be empty.", UnitDirectory);
        }

        if (Executable is not null)
        {
            ServiceUnit.CheckExecutable(Executable);
        }
    }

    /// <summary>The unit directory with a trailing slash removed, made absolute.</summary>
    internal string UnitDirectoryFull => Path.TrimEndingDirectorySeparator(Path.GetFullPath(UnitDirectory));

    /// <summary>The template unit file's path.</summary>
    internal string TemplatePath => Path.Combine(UnitDirectoryFull, ServiceUnit.TemplateName(Role));

    /// <summary>The link <c>systemctl enable</c> makes for this instance.</summary>
    internal string WantsLinkPath => Path.Combine(UnitDirectoryFull, ServiceUnit.WantedBy + ".wants", ServiceUnit.InstanceName(Role, Name));
}
