namespace Jormungandr.Service;

/// <summary>A tunnel's service unit as <c>snek service status</c> and <c>Get-SnekService</c> report it.</summary>
public sealed class SnekServiceStatus
{
    /// <summary>The tunnel's name (the unit instance).</summary>
    public string Name { get; set; } = "";

    /// <summary>Server or client.</summary>
    public ServiceRole Role { get; set; }

    /// <summary>The instance unit, e.g. <c>jormungandr-server@office.service</c>.</summary>
    public string Unit { get; set; } = "";

    /// <summary>The template unit file's path.</summary>
    public string UnitFile { get; set; } = "";

    /// <summary>True when the template unit file exists.</summary>
    public bool Installed { get; set; }

    /// <summary>True when the installed file is what this snek would write (false: older, edited, or missing).</summary>
    public bool Current { get; set; }

    /// <summary>True when the instance is enabled (linked from <c>multi-user.target.wants</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The configuration file the unit reads.</summary>
    public string ConfigPath { get; set; } = "";

    /// <summary>True when that configuration file exists.</summary>
    public bool ConfigExists { get; set; }

    /// <summary>True when systemd is the running init.</summary>
    public bool SystemdRunning { get; set; }

    /// <summary>systemd's ActiveState (<c>active</c>, <c>inactive</c>, <c>failed</c>, …); null without systemd.</summary>
    public string? ActiveState { get; set; }

    /// <summary>systemd's SubState (<c>running</c>, <c>dead</c>, …); null without systemd.</summary>
    public string? SubState { get; set; }

    /// <summary>The main process, when running.</summary>
    public int? MainPid { get; set; }

    /// <summary>The tunnel's last <c>STATUS=</c> line, when running.</summary>
    public string? StatusText { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Unit} {(Installed ? "installed" : "not installed")}{(Enabled ? ", enabled" : "")} {ActiveState}".TrimEnd();

    /// <summary>True when the enable link exists (a dangling one counts: systemd would still try the unit).</summary>
    internal static bool IsEnabled(string link) => File.Exists(link) || new FileInfo(link).LinkTarget is not null;

    /// <summary>Reads the unit's state from the files and, when systemd runs and uses that directory, from systemctl.</summary>
    internal static SnekServiceStatus Read(ServiceOptions options, IServiceManager manager, string expected)
    {
        string template = options.TemplatePath;
        string? installed = File.Exists(template) ? File.ReadAllText(template) : null;
        var status = new SnekServiceStatus
        {
            Name = options.Name,
            Role = options.Role,
            Unit = ServiceUnit.InstanceName(options.Role, options.Name),
            UnitFile = template,
            Installed = installed is not null,
            Current = installed == expected,
            Enabled = IsEnabled(options.WantsLinkPath),
            ConfigPath = ServiceUnit.ConfigPath(options.Name),
            ConfigExists = File.Exists(ServiceUnit.ConfigPath(options.Name)),
            SystemdRunning = manager.IsRunning,
        };
        if (!manager.IsRunning || !manager.ReadsUnitsFrom(options.UnitDirectoryFull))
        {
            return status;
        }

        (int code, string output) = manager.Systemctl("show", "--property=ActiveState,SubState,MainPID,StatusText", status.Unit);
        if (code != 0)
        {
            return status;
        }

        foreach (string line in output.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            string value = line[(eq + 1)..].Trim();
            switch (line[..eq])
            {
                case "ActiveState": status.ActiveState = value; break;
                case "SubState": status.SubState = value; break;
                case "MainPID": status.MainPid = int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null; break;
                case "StatusText": status.StatusText = value.Length == 0 ? null : value; break;
            }
        }

        return status;
    }
}
