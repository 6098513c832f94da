using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Engine;

namespace Jormungandr.Tunnel;

/// <summary>Strict validation of tunnel option values; every failure is a SnekException naming the option.</summary>
internal static class OptionChecks
{
    public static SnekException Invalid(string option, string message) =>
        new("InvalidTunnelOption", ErrorKind.InvalidArgument, message, option);

    /// <summary>Checks a public key given as base64 (1952 bytes) and returns its bytes.</summary>
    public static byte[] PublicKey(string base64, string option)
    {
        byte[] key = new byte[Identity.SnekIdentity.PublicKeySize];
        if (!Convert.TryFromBase64String(base64.Trim(), key, out int written) || written != key.Length)
        {
            throw Invalid(option, $"{option} must be base64 of a {key.Length}-byte ML-DSA-65 public key.");
        }

        return key;
    }

    public static void RequirePath(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw Invalid(option, $"{option} is required.");
        }

        if (path.Contains('\0', StringComparison.Ordinal) || path.Length > 4096)
        {
            throw Invalid(option, $"{option} is not a valid path.");
        }
    }

    public static void Port(int port, string option)
    {
        if (port is < 1 or > 65535)
        {
            throw Invalid(option, $"{option} must be between 1 and 65535, not {port}.");
        }
    }

    public static IPAddress Address(string value, string option)
    {
        if (!IPAddress.TryParse(value, out IPAddress? address) || value.Contains('%', StringComparison.Ordinal))
        {
            throw Invalid(option, $"{option} '{value}' is not an IPv4 or IPv6 address.");
        }

        return address;
    }

    /// <summary>An address or a DNS host name (letters, digits, hyphens; labels up to 63; total up to 253).</summary>
    public static void Host(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid("Address", "Address (the server) is required.");
        }

        if (IPAddress.TryParse(value, out _) && !value.Contains('%', StringComparison.Ordinal))
        {
            return;
        }

        if (value.Length > 253 || Uri.CheckHostName(value) != UriHostNameType.Dns)
        {
            throw Invalid("Address", $"Address '{value}' is not an IP address or host name.");
        }
    }

    public static IPNetwork Pool4(string value)
    {
        IPNetwork network = Network(value, "Pool");
        // Clients refuse a wider network (TunnelConfig.MinPrefix4), so refuse it here rather than at every handshake.
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || network.PrefixLength is < TunnelConfig.MinPrefix4 or > TunnelConfig.MaxPrefix4)
        {
            throw Invalid("Pool", $"Pool '{value}' must be an IPv4 network with a prefix from /{TunnelConfig.MinPrefix4} to /{TunnelConfig.MaxPrefix4} (clients refuse wider networks).");
        }

        return network;
    }

    public static IPNetwork Pool6(string value)
    {
        IPNetwork network = Network(value, "Pool6");
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6 || network.PrefixLength is < TunnelConfig.MinPrefix6 or > TunnelConfig.MaxPrefix6)
        {
            throw Invalid("Pool6", $"Pool6 '{value}' must be an IPv6 network with a prefix from /{TunnelConfig.MinPrefix6} to /{TunnelConfig.MaxPrefix6} (clients refuse wider networks).");
        }

        return network;
    }

    public static IPNetwork Route(string value) => Network(value, "Routes");

    /// <summary>
    /// The server's pushed configuration from its options, checked as a client will check it
    /// (docs/protocol.md, "Pushed configuration"): routes in CIDR form, DNS server addresses, search domains.
    /// </summary>
    public static PushedConfig Pushed(IReadOnlyList<string> routes, IReadOnlyList<string> dns, IReadOnlyList<string> searchDomains)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(searchDomains);
        IPNetwork[] networks = [.. routes.Select(r => Network(r, "PushRoute"))];
        IPAddress[] servers = [.. dns.Select(d => Address(d, "PushDns"))];
        try
        {
            return new PushedConfig(networks, servers, searchDomains);
        }
        catch (SnekException e)
        {
            string option = e.Message.Contains("search domain", StringComparison.Ordinal) ? "PushSearchDomain"
                : e.Message.Contains("DNS server", StringComparison.Ordinal) ? "PushDns" : "PushRoute";
            throw Invalid(option, e.Message);
        }
    }

    /// <summary>Networks of a client's pull filter (<paramref name="option"/> PullAllow or PullDeny), at most 64.</summary>
    public static IReadOnlyList<IPNetwork> PullFilter(IReadOnlyList<string> networks, string option)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (networks.Count > 64)
        {
            throw Invalid(option, $"At most 64 {option} networks are allowed.");
        }

        return [.. networks.Select(n => Network(n, option))];
    }

    public static IPNetwork Network(string value, string option)
    {
        if (string.IsNullOrWhiteSpace(value) || !value.Contains('/', StringComparison.Ordinal)
            || value.Contains('%', StringComparison.Ordinal) || !IPNetwork.TryParse(value, out IPNetwork network))
        {
            throw Invalid(option, $"{option} '{value}' is not a network in CIDR form (address/prefix, no host bits set).");
        }

        // IPNetwork.TryParse quietly masks host bits; a typo like 198.19.0.1/24 must not pass as 198.19.0.0/24.
        if (!IPAddress.TryParse(value.AsSpan(0, value.IndexOf('/', StringComparison.Ordinal)), out IPAddress? given) || !given.Equals(network.BaseAddress))
        {
            throw Invalid(option, $"{option} '{value}' has host bits set; did you mean {network}?");
        }

        return network;
    }

    /// <summary>Linux interface names: 1 to 15 characters of letters, digits, '_', '-', '.'; not '.' or '..'.</summary>
    public static void InterfaceName(string value)
    {
        if (!IsInterfaceName(value))
        {
            throw Invalid("InterfaceName", $"InterfaceName '{value}' must be 1 to 15 letters, digits, '_', '-' or '.'.");
        }
    }

    /// <summary>1 to 15 letters, digits, '_', '-' or '.', not "." or "..".</summary>
    public static bool IsInterfaceName(string? value)
    {
        bool ok = value is { Length: >= 1 and <= 15 } && value != "." && value != "..";
        foreach (char c in value ?? string.Empty)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
        }

        return ok;
    }

    public static void Mtu(int mtu, bool ipv6)
    {
        int min = ipv6 ? 1280 : 576;
        if (mtu < min || mtu > 65535)
        {
            throw Invalid("Mtu", $"Mtu must be between {min} and 65535, not {mtu}.");
        }
    }

    /// <summary><c>SHA256:</c> + 43 base64 characters, or the short form <c>xxxx:xxxx:xxxx:xxxx</c> (hex) or a prefix of it of at least 4 hex digits.</summary>
    public static void Fingerprint(string value)
    {
        if (!IsFingerprint(value))
        {
            throw Invalid("Fingerprint", $"Fingerprint '{value}' is neither 'SHA256:<base64>' nor (a prefix of at least 4 hex digits of) the short form 'xxxx:xxxx:xxxx:xxxx'.");
        }
    }

    public static bool IsFingerprint(string? value)
    {
        if (value is null)
        {
            return false;
        }

        if (value.StartsWith("SHA256:", StringComparison.Ordinal) && value.Length == 7 + 43)
        {
            foreach (char c in value.AsSpan(7))
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
                {
                    return false;
                }
            }

            return true;
        }

        // Short form or a prefix of it: at least 4 hex digits, optional colons, up to 19 characters.
        int hex = 0;
        foreach (char c in value)
        {
            if (char.IsAsciiHexDigit(c))
            {
                hex++;
            }
            else if (c != ':')
            {
                return false;
            }
        }

        if (hex >= 4 && value.Length <= 19)
        {
            return true;
        }

        return false;
    }
}
