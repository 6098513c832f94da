using System.Net;
using Jormungandr.Engine;
using Jormungandr.Protocol;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// The tunnel configuration a server puts in its Confirmation, decoded by the client. Only
/// <see cref="ProtocolException"/> escapes; an accepted configuration re-encodes to the same 26 bytes,
/// its prefixes are within the documented bounds and its networks can be computed and checked.
/// </summary>
internal static class TunnelConfigTarget
{
    private static readonly IPAddress Underlay4 = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress Underlay6 = IPAddress.Parse("2001:2::1");

    public static void Run(ReadOnlySpan<byte> payload)
    {
        TunnelConfig config;
        try
        {
            config = TunnelConfig.Decode(payload);
        }
        catch (ProtocolException)
        {
            return;
        }

        InvariantViolation.Check(config.Encode().AsSpan().SequenceEqual(payload), "an accepted configuration does not re-encode to the same bytes");
        InvariantViolation.Check(config.Prefix4 is >= TunnelConfig.MinPrefix4 and <= TunnelConfig.MaxPrefix4, "an IPv4 prefix outside the bounds was accepted");
        InvariantViolation.Check(config.Address6 is null || config.Prefix6 is >= TunnelConfig.MinPrefix6 and <= TunnelConfig.MaxPrefix6, "an IPv6 prefix outside the bounds was accepted");
        InvariantViolation.Check(config.Network4.Contains(config.Address4), "the IPv4 network does not contain the address");
        InvariantViolation.Check(config.Address6 is null || config.Network6!.Value.Contains(config.Address6), "the IPv6 network does not contain the address");
        foreach (IPAddress server in new[] { Underlay4, Underlay6 })
        {
            try
            {
                config.EnsureExcludes(server);
            }
            catch (ProtocolException)
            {
            }
        }
    }
}
