using System.Globalization;
using System.Numerics;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// The legacy echo protocol's messages: the first byte picks the cipher proposal, the server's choice,
/// the Diffie-Hellman message, a sealed message opened, or a text sealed and opened. Only
/// <see cref="SnekException"/> escapes; accepted text formats back to text that parses the same; a sealed
/// text opens to itself and a changed wire fails its HMAC.
/// </summary>
internal static class LegacyEchoTarget
{
    /// <summary>The key the sealed-message cases use (the real one is a DH result in decimal, as long).</summary>
    public const string SharedKey = "2718281828459045235360287471352662497757247093699959574966967627";

    private static readonly BigInteger Prime = DiffieHellmanGroups.Prime(DiffieHellmanGroups.DefaultGroup);
    private static readonly Lazy<LegacyMessageCodec> Codec = new(() => new LegacyMessageCodec(CipherSuite.Create(CipherSuite.Aes, 256), SharedKey));

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> body = input[1..];
        try
        {
            switch (input[0] % 5)
            {
                case 0:
                    Proposal(body);
                    break;
                case 1:
                    Choice(body);
                    break;
                case 2:
                    DiffieHellman(body);
                    break;
                case 3:
                    Codec.Value.Open(body);
                    break;
                default:
                    SealAndOpen(body);
                    break;
            }
        }
        catch (SnekException)
        {
            // The documented refusal.
        }
    }

    private static string? Strict(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null; // the server refuses it before any parser sees it
        }
    }

    private static void Proposal(ReadOnlySpan<byte> body)
    {
        if (Strict(body) is not string text)
        {
            return;
        }

        CipherProposal proposal = CipherProposal.Parse(text);
        string formatted = proposal.Format();
        InvariantViolation.Check(CipherProposal.Parse(formatted).Format() == formatted, "a formatted proposal does not parse back to itself");
        CipherProposal valid = proposal.Validate();
        CipherNegotiation.Select(CipherProposal.DefaultServer, valid);
    }

    private static void Choice(ReadOnlySpan<byte> body)
    {
        CipherNegotiation.IsCompleteChoice(body, CipherProposal.DefaultClient);
        if (Strict(body) is not string text)
        {
            return;
        }

        CipherSuite suite = CipherNegotiation.ParseChoice(text, CipherProposal.DefaultClient);
        InvariantViolation.Check(CipherProposal.DefaultClient.Contains(suite), "a choice the client did not propose was accepted");
        InvariantViolation.Check(CipherNegotiation.ParseChoice(CipherNegotiation.FormatChoice(suite), CipherProposal.DefaultClient) == suite, "a formatted choice does not parse back to itself");
    }

    private static void DiffieHellman(ReadOnlySpan<byte> body)
    {
        int digits = Prime.ToString(CultureInfo.InvariantCulture).Length;
        DiffieHellmanKeyExchange.IsCompleteMessage(body, digits);
        if (Strict(body) is not string text)
        {
            return;
        }

        BigInteger y = DiffieHellmanKeyExchange.ParseMessage(text, Prime);
        InvariantViolation.Check(y > 2 && y < Prime - 1, "a value outside 2 < y < p-1 was accepted");
        string again = DiffieHellmanKeyExchange.MessagePrefix + y.ToString(CultureInfo.InvariantCulture);
        InvariantViolation.Check(DiffieHellmanKeyExchange.ParseMessage(again, Prime) == y, "a formatted value does not parse back to itself");
    }

    private static void SealAndOpen(ReadOnlySpan<byte> body)
    {
        if (Strict(body) is not string text || text.EndsWith('\0'))
        {
            return; // trailing NULs are the padding, stripped by design
        }

        LegacyMessageCodec codec = Codec.Value;
        byte[] wire = codec.Seal(text);
        InvariantViolation.Check(codec.Open(wire) == text, "a sealed text did not open to itself");
        wire[0] ^= 1;
        InvariantViolation.Check(!codec.HasValidHmac(wire), "a changed wire still has a valid HMAC");
    }
}
