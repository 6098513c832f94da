namespace Jormungandr.Service;

/// <summary>The init system's side of <c>snek service</c>: whether systemd runs, and <c>systemctl</c>.</summary>
public interface IServiceManager
{
    /// <summary>True when systemd is the running init (as <c>sd_booted</c> decides: <c>/run/systemd/system</c> exists).</summary>
    bool IsRunning { get; }

    /// <summary>True when systemd loads unit files from <paramref name="directory"/> (absolute, no trailing slash).</summary>
    bool ReadsUnitsFrom(string directory);

    /// <summary>Runs <c>systemctl</c> with <paramref name="arguments"/>; returns the exit code and output.</summary>
    (int ExitCode, string Output) Systemctl(params string[] arguments);
}
