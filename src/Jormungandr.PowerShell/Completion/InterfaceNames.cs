namespace Jormungandr.PowerShell.Completion;

/// <summary>
/// The tunnel interface names present on this machine: snk* network interfaces under /sys/class/net
/// and the status sockets running tunnels publish under /run/jormungandr (one per interface).
/// </summary>
internal static class InterfaceNames
{
    /// <summary>Where Linux lists network interfaces.</summary>
    public const string SysClassNet = "/sys/class/net";

    /// <summary>Where running tunnels put their status sockets.</summary>
    public const string RunDirectory = "/run/jormungandr";

    /// <summary>Distinct, sorted interface names found in the two folders (missing folders are skipped).</summary>
    public static IReadOnlyList<string> Find(string sysClassNet = SysClassNet, string runDirectory = RunDirectory)
    {
        SortedSet<string> names = new(StringComparer.Ordinal);
        foreach (string entry in SafeEntries(sysClassNet, "snk*"))
        {
            names.Add(Path.GetFileName(entry));
        }

        foreach (string entry in SafeEntries(runDirectory, "*.sock"))
        {
            names.Add(Path.GetFileNameWithoutExtension(entry));
        }

        return [.. names];
    }

    private static string[] SafeEntries(string directory, string pattern)
    {
        try
        {
            return Directory.Exists(directory) ? Directory.GetFileSystemEntries(directory, pattern) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return []; // completion must never fail loudly
        }
    }
}
