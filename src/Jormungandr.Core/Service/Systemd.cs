using Jormungandr.Lab;

namespace Jormungandr.Service;

/// <summary>The machine's systemd, through the <c>systemctl</c> program (bounded: 60 s, 64 KiB of output).</summary>
public sealed class Systemd : IServiceManager
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // The system unit search path (systemd.unit(5)) where an administrator or package puts units.
    private static readonly HashSet<string> UnitDirectories = new(StringComparer.Ordinal)
    {
        "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
    };

    /// <summary>The shared instance.</summary>
    public static Systemd Instance { get; } = new();

    private Systemd()
    {
    }

    /// <inheritdoc />
    public bool IsRunning => Directory.Exists("/run/systemd/system");

    /// <inheritdoc />
    public bool ReadsUnitsFrom(string directory) => UnitDirectories.Contains(directory);

    /// <inheritdoc />
    public (int ExitCode, string Output) Systemctl(params string[] arguments)
    {
        try
        {
            ProcessResult r = ProcessRunner.Run("systemctl", arguments, Timeout);
            return (r.TimedOut ? -1 : r.ExitCode, r.TimedOut ? "systemctl did not finish within 60 s" : (r.StandardOutput + r.StandardError).Trim());
        }
        catch (Commands.SnekException e)
        {
            return (-1, e.Message); // systemctl missing: reported like any failed call
        }
    }
}
