using Jormungandr.Commands;
using Jormungandr.Interop;

namespace Jormungandr.Tunnel;

/// <summary>What a tunnel needs from the machine: Linux, root, /dev/net/tun.</summary>
internal static class TunnelPreconditions
{
    public static void Check()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SnekException("NeedsLinux", ErrorKind.ResourceUnavailable, "Tunnels run on Linux only.");
        }

        if (LibC.GetEffectiveUserId() != 0)
        {
            throw new SnekException("NeedsRoot", ErrorKind.PermissionDenied, "Creating a tunnel needs root (run with sudo).");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            throw new SnekException("TunUnavailable", ErrorKind.ResourceUnavailable, "/dev/net/tun does not exist: this machine has no TUN support.");
        }
    }
}
