using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.IO;
using Jormungandr.Lab;
using Jormungandr.Interop;

namespace Jormungandr.Routing;

/// <summary>
/// Gives the host's resolver the tunnel's DNS servers and search domains, the way the host manages DNS:
/// systemd-resolved when it runs (<c>resolvectl dns|domain IFACE …</c>, undone with <c>resolvectl revert IFACE</c>;
/// it also forgets a link that disappears), else resolvconf (<c>resolvconf -a IFACE</c> with the lines on
/// standard input, undone with <c>resolvconf -d IFACE</c>), else by replacing resolv.conf itself: the
/// original (a regular file's bytes and mode, or a symbolic link's target, or its absence) is kept in the
/// run directory and put back on removal, as long as the file still holds what we wrote.
/// </summary>
internal static class TunnelDns
{
    private const string Resolvectl = "resolvectl";
    private const string Resolvconf = "resolvconf";

    /// <summary>The method <paramref name="requested"/> resolves to here: <see cref="DnsMethod.None"/> means the first that works.</summary>
    public static DnsMethod Choose(HostSystem system, DnsMethod requested)
    {
        if (requested != DnsMethod.None)
        {
            return requested;
        }

        if (system.Commands.Exists(Resolvectl) && Directory.Exists(system.ResolvedDirectory))
        {
            return DnsMethod.Resolved;
        }

        return system.Commands.Exists(Resolvconf) ? DnsMethod.Resolvconf : DnsMethod.File;
    }

    /// <summary>Applies <paramref name="settings"/> with <paramref name="method"/> (not <see cref="DnsMethod.None"/>), recording the change first.</summary>
    /// <exception cref="SnekException"><c>DnsConfigFailed</c>; nothing stays applied.</exception>
    public static void Apply(HostSystem system, HostJournal journal, string interfaceName, DnsSettings settings, DnsMethod method, string resolvConf, string runDirectory)
    {
        switch (method)
        {
            case DnsMethod.Resolved:
            {
                var change = new DnsChange(DnsMethod.Resolved, interfaceName);
                journal.Record(change);
                Guarded(system, journal, change, () =>
                {
                    Run(system, Resolvectl, ["dns", interfaceName, .. settings.Servers.Select(s => s.ToString())], null);
                    string[] domains = settings.RouteAllQueries ? ["~.", .. settings.SearchDomains] : [.. settings.SearchDomains];
                    if (domains.Length > 0)
                    {
                        Run(system, Resolvectl, ["domain", interfaceName, .. domains], null);
                    }
                });
                break;
            }

            case DnsMethod.Resolvconf:
            {
                var change = new DnsChange(DnsMethod.Resolvconf, interfaceName);
                journal.Record(change);
                Guarded(system, journal, change, () => Run(system, Resolvconf, ["-a", interfaceName], settings.ResolvConfLines()));
                break;
            }

            case DnsMethod.File:
                ReplaceFile(journal, interfaceName, settings, resolvConf, runDirectory);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "choose a DNS method first");
        }
    }

    /// <summary>Undoes a DNS change (see the class summary); a missing record or backup is nothing to undo.</summary>
    public static void Revert(HostSystem system, DnsChange change)
    {
        switch (change.Method)
        {
            case DnsMethod.Resolved:
                // The link may be gone (the tunnel's interface went with its process): resolved forgot it then.
                if (LibC.InterfaceIndex(change.Name) != 0)
                {
                    Run(system, Resolvectl, ["revert", change.Name], null);
                }

                break;
            case DnsMethod.Resolvconf:
                Run(system, Resolvconf, ["-d", change.Name], null);
                break;
            case DnsMethod.File:
                RestoreFile(change);
                break;
            default:
                break;
        }
    }

    /// <summary>The resolv.conf text written for a tunnel.</summary>
    public static string FileText(string interfaceName, DnsSettings settings) =>
        $"# Written by snek for tunnel {interfaceName}; the previous file is put back when the tunnel stops.\n" + settings.ResolvConfLines();

    /// <summary>Where the original resolv.conf of a tunnel is kept.</summary>
    public static string BackupPath(string runDirectory, string interfaceName) => Path.Combine(Path.GetFullPath(runDirectory), interfaceName + ".resolv.conf");

    private static void ReplaceFile(HostJournal journal, string interfaceName, DnsSettings settings, string resolvConf, string runDirectory)
    {
        string target = Path.GetFullPath(resolvConf);
        string backup = BackupPath(runDirectory, interfaceName);
        byte[] written = Encoding.ASCII.GetBytes(FileText(interfaceName, settings));
        string sha = Convert.ToHexStringLower(SHA256.HashData(written));
        DnsChange change;
        try
        {
            var info = new FileInfo(target);
            if (info.LinkTarget is string link)
            {
                change = new DnsChange(DnsMethod.File, interfaceName, target, ResolvConfOriginal.Link, link, sha);
            }
            else if (info.Exists)
            {
                PrivateDirectory.Create(Path.GetDirectoryName(backup)!);
                AtomicFile.Write(backup, File.ReadAllBytes(target), AtomicFile.ModeOf(target));
                change = new DnsChange(DnsMethod.File, interfaceName, target, ResolvConfOriginal.File, backup, sha);
            }
            else
            {
                change = new DnsChange(DnsMethod.File, interfaceName, target, ResolvConfOriginal.None, null, sha);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed($"Cannot keep a copy of {target} before replacing it: {e.Message}", e);
        }

        journal.Record(change);
        try
        {
            Overwrite(target, written, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing replaced: drop the backup and the record.
            if (change.Original == ResolvConfOriginal.File)
            {
                AtomicFile.TryDelete(backup);
            }

            journal.Forget(change);
            throw Failed($"Cannot write {target}: {e.Message}", e);
        }
    }

    // Atomically where possible; in place when resolv.conf is a mount point (ip netns exec bind-mounts
    // /etc/netns/NAME/resolv.conf over it, containers do the same), where a rename onto it fails with EBUSY.
    private static void Overwrite(string target, byte[] content, UnixFileMode mode)
    {
        try
        {
            AtomicFile.Write(target, content, mode);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.WriteAllBytes(target, content);
        }
    }

    private static void RestoreFile(DnsChange change)
    {
        string target = change.Target!;
        try
        {
            bool ours = File.Exists(target) && new FileInfo(target).LinkTarget is null
                && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(target))) == change.WrittenSha256;
            if (ours)
            {
                switch (change.Original)
                {
                    case ResolvConfOriginal.File when File.Exists(change.Backup):
                        Overwrite(target, File.ReadAllBytes(change.Backup!), AtomicFile.ModeOf(change.Backup!));
                        break;
                    case ResolvConfOriginal.Link:
                        string temporary = target + ".tmp";
                        AtomicFile.TryDelete(temporary);
                        File.CreateSymbolicLink(temporary, change.Backup!);
                        File.Move(temporary, target, overwrite: true);
                        break;
                    case ResolvConfOriginal.None:
                        File.Delete(target);
                        break;
                    default:
                        break; // the backup is gone: leave our file rather than no file
                }
            }

            if (change.Original == ResolvConfOriginal.File)
            {
                AtomicFile.TryDelete(change.Backup!);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed($"Cannot put back {target}: {e.Message}", e);
        }
    }

    private static void Guarded(HostSystem system, HostJournal journal, DnsChange change, Action apply)
    {
        try
        {
            apply();
        }
        catch (SnekException)
        {
            try
            {
                Revert(system, change); // best effort: the failed command may have left half a record
            }
            catch (SnekException)
            {
                // A resolver that refused the record may refuse its removal too; nothing of ours is known to be there.
            }

            journal.Forget(change);
            throw;
        }
    }

    private static void Run(HostSystem system, string program, IReadOnlyList<string> arguments, string? input)
    {
        ProcessResult result = system.Commands.Run(program, arguments, input);
        if (!result.Succeeded)
        {
            string text = (result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput).Trim();
            int newline = text.IndexOf('\n', StringComparison.Ordinal);
            throw Failed($"{result.CommandLine} failed: {(newline < 0 ? text : text[..newline])}", null);
        }
    }

    private static SnekException Failed(string message, Exception? inner) => new("DnsConfigFailed", ErrorKind.ResourceUnavailable, message, null, inner);
}
