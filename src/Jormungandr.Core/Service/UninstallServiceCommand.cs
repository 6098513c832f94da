using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>
/// Removes a tunnel's service: when systemd runs and reads the unit directory, <c>systemctl disable
/// --now</c> for the instance (it stops the tunnel, which removes its interface); the enable link if
/// one is left; the template unit file once no other instance of it is enabled; then
/// <c>systemctl daemon-reload</c>. ObjectNotFound when there is nothing to remove.
/// </summary>
public sealed class UninstallServiceCommand : ISnekCommand<ServiceOptions>
{
    private readonly IServiceManager _manager;

    /// <summary>Creates the command over <paramref name="manager"/> (the machine's systemd when null).</summary>
    public UninstallServiceCommand(IServiceManager? manager = null)
    {
        _manager = manager ?? Systemd.Instance;
    }

    /// <inheritdoc />
    public Task ExecuteAsync(ServiceOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        string unit = ServiceUnit.InstanceName(options.Role, options.Name);
        string template = options.TemplatePath;
        bool linked = SnekServiceStatus.IsEnabled(options.WantsLinkPath);
        if (!File.Exists(template) && !linked)
        {
            throw new SnekException("ServiceNotInstalled", ErrorKind.ObjectNotFound, $"{unit} is not installed in {options.UnitDirectoryFull}.", unit);
        }

        bool systemd = _manager.IsRunning && _manager.ReadsUnitsFrom(options.UnitDirectoryFull);
        if (!systemd)
        {
            output.WriteWarning(_manager.IsRunning
                ? $"systemd does not read units from {options.UnitDirectoryFull}: only files are removed."
                : "systemd is not the running init (/run/systemd/system is missing): only files are removed.");
        }
        else if (output.ShouldProcess(unit, "systemctl disable --now"))
        {
            InstallServiceCommand.Systemctl(output, _manager, "disable", "--now", unit);
        }

        if (SnekServiceStatus.IsEnabled(options.WantsLinkPath) && output.ShouldProcess(options.WantsLinkPath, "Remove enable link"))
        {
            File.Delete(options.WantsLinkPath);
        }

        string? other = OtherEnabledInstance(options, unit);
        if (other is not null)
        {
            output.WriteVerbose($"Keeping {template}: {other} still uses it");
        }
        else if (File.Exists(template) && output.ShouldProcess(template, "Remove unit file"))
        {
            try
            {
                File.Delete(template);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SnekException("UnitFileRemoveFailed", ErrorKind.PermissionDenied, $"Cannot remove {template}: {e.Message}", template, e);
            }
        }

        if (systemd && output.ShouldProcess("systemd", "systemctl daemon-reload"))
        {
            InstallServiceCommand.Systemctl(output, _manager, "daemon-reload");
        }

        return Task.CompletedTask;
    }

    // Another name enabled on the same template (in any target's .wants directory).
    private static string? OtherEnabledInstance(ServiceOptions options, string unit)
    {
        string prefix = ServiceUnit.InstanceName(options.Role, "");
        prefix = prefix[..prefix.IndexOf('@', StringComparison.Ordinal)] + "@";
        foreach (string wants in Directory.EnumerateDirectories(options.UnitDirectoryFull, "*.wants"))
        {
            foreach (string link in Directory.EnumerateFileSystemEntries(wants, prefix + "*.service"))
            {
                string name = Path.GetFileName(link);
                if (name != unit && name.Length > prefix.Length + ".service".Length)
                {
                    return name;
                }
            }
        }

        return null;
    }
}
