using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>
/// Installs a tunnel as a systemd service: writes the shipped template unit (atomically, mode 0644) to
/// the unit directory, and when systemd is the running init and reads that directory, runs
/// <c>systemctl daemon-reload</c> and <c>systemctl enable [--now]</c> for the instance. Without
/// systemd it says so and does only the file part. Writes the resulting <see cref="SnekServiceStatus"/>.
/// </summary>
public sealed class InstallServiceCommand : ISnekCommand<ServiceOptions>
{
    private readonly IServiceManager _manager;

    /// <summary>Creates the command over <paramref name="manager"/> (the machine's systemd when null).</summary>
    public InstallServiceCommand(IServiceManager? manager = null)
    {
        _manager = manager ?? Systemd.Instance;
    }

    /// <inheritdoc />
    public Task ExecuteAsync(ServiceOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        string executable = options.Executable ?? ServiceUnit.DefaultExecutable();
        string text = ServiceUnit.Render(options.Role, executable);
        string unit = ServiceUnit.InstanceName(options.Role, options.Name);
        if (!Directory.Exists(options.UnitDirectoryFull))
        {
            throw new SnekException("UnitDirectoryNotFound", ErrorKind.ObjectNotFound, $"The unit directory {options.UnitDirectoryFull} does not exist.", options.UnitDirectoryFull);
        }

        string path = options.TemplatePath;
        string? existing = File.Exists(path) ? File.ReadAllText(path) : null;
        if (existing == text)
        {
            output.WriteVerbose($"{path} is already current");
        }
        else if (output.ShouldProcess(path, existing is null ? "Write unit file" : "Replace unit file"))
        {
            UnitFileWriter.Write(path, text);
            output.WriteVerbose($"Wrote {path}");
        }

        if (!File.Exists(executable))
        {
            output.WriteWarning($"The unit runs {executable}, which does not exist yet; install snek there or pass the path of snek.");
        }

        string config = ServiceUnit.ConfigPath(options.Name);
        if (!File.Exists(config))
        {
            output.WriteWarning($"{unit} reads {config}, which does not exist yet; the service fails to start until it does.");
        }

        string enable = options.Now ? "enable --now" : "enable";
        if (!_manager.IsRunning)
        {
            output.WriteWarning($"systemd is not the running init (/run/systemd/system is missing): only the unit file was written. Once systemd runs: systemctl daemon-reload && systemctl {enable} {unit}");
        }
        else if (!_manager.ReadsUnitsFrom(options.UnitDirectoryFull))
        {
            output.WriteWarning($"systemd does not read units from {options.UnitDirectoryFull}: only the unit file was written, nothing was enabled.");
        }
        else if (output.ShouldProcess(unit, $"systemctl daemon-reload, systemctl {enable}"))
        {
            Systemctl(output, "daemon-reload");
            Systemctl(output, options.Now ? ["enable", "--now", unit] : ["enable", unit]);
        }

        output.WriteObject(SnekServiceStatus.Read(options, _manager, text));
        return Task.CompletedTask;
    }

    /// <summary>Runs systemctl; a failure is a SnekException with systemctl's own message.</summary>
    internal static void Systemctl(ICommandOutput output, IServiceManager manager, params string[] arguments)
    {
        output.WriteVerbose("systemctl " + string.Join(' ', arguments));
        (int code, string message) = manager.Systemctl(arguments);
        if (code != 0)
        {
            throw new SnekException("SystemctlFailed", ErrorKind.InvalidOperation, $"systemctl {string.Join(' ', arguments)} failed ({code}): {message.ReplaceLineEndings(" ")}", arguments.Length > 0 ? arguments[^1] : null);
        }
    }

    private void Systemctl(ICommandOutput output, params string[] arguments) => Systemctl(output, _manager, arguments);
}
