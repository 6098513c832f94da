using Jormungandr.Lab;

namespace Jormungandr.Load;

/// <summary>
/// Keeps the tool inside a lab namespace: it adds 198.18.0.1/16 to loopback (the whole /16 becomes local,
/// so every client can bind its own source address), which must never happen on the machine itself.
/// </summary>
internal static class LabNamespaceCheck
{
    /// <summary>Null when this process is root inside a lab namespace (a /run/netns entry named snek-*); otherwise why not.</summary>
    public static string? WhyNot()
    {
        if (Environment.UserName != "root")
        {
            return "needs root (the server opens a TUN device)";
        }

        // ip netns identify names the /run/netns entry this process is in (empty in the machine's own namespace).
        ProcessResult r = ProcessRunner.Run("ip", ["netns", "identify", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        string name = r.StandardOutput.Trim();
        return r.ExitCode == 0 && name.StartsWith(NetworkNamespace.NamePrefix, StringComparison.Ordinal) && !name.Contains('\n', StringComparison.Ordinal)
            ? null
            : $"runs only inside a lab network namespace named {NetworkNamespace.NamePrefix}* (bench/load.sh makes one: ip netns exec NAME ...), never in the machine's own";
    }

    /// <summary>Brings loopback up with the server's underlay address 198.18.0.1/16 (idempotent).</summary>
    public static void AddServerAddress()
    {
        ProcessRunner.Run("ip", ["link", "set", "lo", "up"]).EnsureSuccess();
        ProcessResult shown = ProcessRunner.Run("ip", ["-4", "addr", "show", "dev", "lo"]).EnsureSuccess();
        if (!shown.StandardOutput.Contains("198.18.0.1/16", StringComparison.Ordinal))
        {
            ProcessRunner.Run("ip", ["addr", "add", "198.18.0.1/16", "dev", "lo"]).EnsureSuccess();
        }
    }
}
