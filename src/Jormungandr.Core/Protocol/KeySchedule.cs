using System.Security.Cryptography;
using System.Text;

namespace Jormungandr.Protocol;

/// <summary>HKDF-SHA-256 key schedule of protocol v2 (docs/protocol.md §6).</summary>
internal static class KeySchedule
{
    public const string InitiatorHandshakeLabel = "initiator handshake";
    public const string ResponderHandshakeLabel = "responder handshake";
    public const string MasterLabel = "master";
    public const string InitiatorToResponderLabel = "initiator to responder";
    public const string ResponderToInitiatorLabel = "responder to initiator";

    /// <summary>hs = HKDF-Extract(salt = th1, ikm = ss).</summary>
    public static byte[] HandshakeSecret(ReadOnlySpan<byte> th1, ReadOnlySpan<byte> sharedSecret)
    {
        byte[] prk = new byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, sharedSecret, th1, prk);
        return prk;
    }

    /// <summary>Label(secret, label, context) = HKDF-Expand(secret, "jormungandr-v2 " || label || 0x00 || context, 32).</summary>
    public static byte[] Label(ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> context)
    {
        int prefix = Encoding.ASCII.GetByteCount(ProtocolConstants.LabelPrefix);
        int name = Encoding.ASCII.GetByteCount(label);
        byte[] info = new byte[prefix + name + 1 + context.Length];
        Encoding.ASCII.GetBytes(ProtocolConstants.LabelPrefix, info);
        Encoding.ASCII.GetBytes(label, info.AsSpan(prefix));
        info[prefix + name] = 0;
        context.CopyTo(info.AsSpan(prefix + name + 1));
        byte[] output = new byte[32];
        HKDF.Expand(HashAlgorithmName.SHA256, secret, output, info);
        return output;
    }
}
