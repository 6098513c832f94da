using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Lab;

/// <summary>
/// The team's hard network rule, enforced in code: lab hosts, veths and ping targets use only
/// 198.18.0.0/16 and 2001:2::/48 (underlay, the IPv4 and IPv6 benchmarking ranges), 198.19.0.0/16
/// (tunnel-inner) and fd00:5ec::/64 (tunnel-inner IPv6).
/// Anything else (private ranges, public, loopback) is refused with an <see cref="ArgumentException"/>.
/// </summary>
public static class LabAddressPolicy
{
    /// <summary>The allowed ranges, for messages and documentation.</summary>
    public const string AllowedRanges = "198.18.0.0/16, 198.19.0.0/16, 2001:2::/48, fd00:5ec::/64";

    /// <summary>True when <paramref name="address"/> lies inside one of the allowed ranges.</summary>
    public static bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out int written))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && written == 4)
        {
            return b[0] == 198 && (b[1] == 18 || b[1] == 19);
        }

        // fd00:05ec:0000:0000::/64 or 2001:0002:0000::/48; a scope id would make it a different (link-local style) address.
        return address.AddressFamily == AddressFamily.InterNetworkV6 && written == 16 && address.ScopeId == 0
            && ((b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x05 && b[3] == 0xec && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0)
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="address"/> is allowed.</summary>
    public static void EnsureAllowed(IPAddress address, string paramName)
    {
        ArgumentNullException.ThrowIfNull(address, paramName);
        if (!IsAllowed(address))
        {
            throw new ArgumentException(
                $"{address} is outside the lab's address ranges ({AllowedRanges}); tests and benchmarks may use only those.",
                paramName);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the interface address is allowed and its connected
    /// subnet stays inside one allowed range: prefix 16..32 for IPv4, 64..128 for IPv6.
    /// </summary>
    public static void EnsureAllowed(IPAddress address, int prefixLength, string paramName)
    {
        EnsureAllowed(address, paramName);
        bool v4 = address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;
        int min = v4 ? 16 : 64;
        int max = v4 ? 32 : 128;
        if (prefixLength < min || prefixLength > max)
        {
            throw new ArgumentException(
                $"prefix /{prefixLength} on {address} would reach outside the lab's address ranges ({AllowedRanges}); use /{min}../{max}.",
                paramName);
        }
    }
}
