using Jormungandr.Protocol;

namespace Jormungandr.Engine;

/// <summary>
/// Control messages carried in data packets of inner kind 3 (docs/protocol.md, "Pushed configuration"):
/// authenticated and replay-checked like every data packet, never fragmented. Payload:
/// <c>type (1) || body</c>.
/// <list type="bullet">
/// <item><c>0x01</c> ConfigRequest, client → server, body = the highest push format the client understands (1 byte, ≥ 1): exactly 2 bytes.</item>
/// <item><c>0x02</c> ConfigPush, server → client, body = a <see cref="PushedConfig"/> in a format no higher than requested: 2 to 1 + <see cref="PushedConfig.MaxSize"/> bytes.</item>
/// </list>
/// A server answers only a request; an older server drops kind 3 as malformed, so a client that gets
/// no push after its requests simply has none.
/// </summary>
internal static class ControlMessage
{
    /// <summary>The data packet inner kind of control messages.</summary>
    public const byte Kind = 3;

    /// <summary>ConfigRequest type.</summary>
    public const byte ConfigRequest = 1;

    /// <summary>ConfigPush type.</summary>
    public const byte ConfigPush = 2;

    /// <summary>Largest control payload (a push at its size limit plus the type byte).</summary>
    public const int MaxSize = 1 + PushedConfig.MaxSize;

    /// <summary>A client's request for the push formats up to <paramref name="maxFormat"/>.</summary>
    public static byte[] Request(byte maxFormat = PushedConfig.Format1) =>
        maxFormat >= 1 ? [ConfigRequest, maxFormat] : throw new ArgumentOutOfRangeException(nameof(maxFormat), "push formats start at 1");

    /// <summary>A server's push.</summary>
    public static byte[] Push(PushedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return [ConfigPush, .. config.Encode()];
    }

    /// <summary>Reads a request; returns the highest push format the client understands.</summary>
    /// <exception cref="ProtocolException">Not a well-formed ConfigRequest.</exception>
    public static byte ReadRequest(ReadOnlySpan<byte> payload) =>
        payload.Length == 2 && payload[0] == ConfigRequest && payload[1] >= 1
            ? payload[1]
            : throw new ProtocolException(ProtocolError.Malformed, "The client sent a malformed configuration request.");

    /// <summary>Reads a push; the configuration is checked as <see cref="PushedConfig.Decode"/> does.</summary>
    /// <exception cref="ProtocolException">Not a well-formed ConfigPush.</exception>
    public static PushedConfig ReadPush(ReadOnlySpan<byte> payload) =>
        payload.Length is >= 2 and <= MaxSize && payload[0] == ConfigPush
            ? PushedConfig.Decode(payload[1..])
            : throw new ProtocolException(ProtocolError.Malformed, "The server sent a malformed configuration push.");

    /// <summary>The type byte of a control payload, or 0 when empty.</summary>
    public static byte TypeOf(ReadOnlySpan<byte> payload) => payload.IsEmpty ? (byte)0 : payload[0];
}
