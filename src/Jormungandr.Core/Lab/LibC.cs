using System.Runtime.InteropServices;

namespace Jormungandr.Lab;

/// <summary>The few libc calls the lab needs (effective uid, signalling one PID, joining a network namespace).</summary>
internal static partial class LibC
{
    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>SIGTERM.</summary>
    public const int SigTerm = 15;

    /// <summary>CLONE_NEWNET: setns joins a network namespace.</summary>
    public const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int namespaceType);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
