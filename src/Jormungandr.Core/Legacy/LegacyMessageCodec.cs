using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// One client message: UTF-8 text zero-padded to a multiple of 16, CBC-encrypted from the fixed IV, followed
/// by the lowercase hex HMAC-SHA-256 of the ciphertext keyed with the cipher key (64 ASCII bytes).
/// </summary>
public sealed class LegacyMessageCodec : IDisposable
{
    /// <summary>Length of the hex HMAC at the end of every message.</summary>
    public const int HmacHexLength = 64;

    /// <summary>The reply prefix the server puts before the reversed text.</summary>
    public const string ReplyPrefix = "Server says: ";

    private readonly LegacyCipher _cipher;
    private readonly byte[] _macKey;

    /// <summary>Derives key and IV from the shared key (see <see cref="LegacyCipher.DeriveKeyAndIv"/>).</summary>
    public LegacyMessageCodec(CipherSuite suite, string sharedKey)
    {
        (byte[] key, byte[] iv) = LegacyCipher.DeriveKeyAndIv(sharedKey, suite);
        try
        {
            _cipher = new LegacyCipher(suite, key, iv);
            _macKey = key;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            throw;
        }
    }

    /// <summary>Uses an explicit key and IV (the HMAC is keyed with <paramref name="key"/>).</summary>
    public LegacyMessageCodec(CipherSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        _cipher = new LegacyCipher(suite, key, iv);
        _macKey = key.ToArray();
    }

    /// <summary>The cipher and key size.</summary>
    public CipherSuite Suite => _cipher.Suite;

    /// <summary>Zero-pads to a multiple of 16 bytes (nothing added when already aligned, as the original).</summary>
    public static byte[] Pad(ReadOnlySpan<byte> data)
    {
        byte[] padded = new byte[(data.Length + 15) / 16 * 16];
        data.CopyTo(padded);
        return padded;
    }

    /// <summary>The wire form of <paramref name="text"/>: ciphertext ‖ hex HMAC.</summary>
    public byte[] Seal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] padded = Pad(Encoding.UTF8.GetBytes(text));
        byte[] ciphertext = _cipher.Encrypt(padded);
        CryptographicOperations.ZeroMemory(padded);
        return AppendHmac(ciphertext);
    }

    /// <summary>Appends the hex HMAC to an arbitrary ciphertext (also used by tests to forge bad lengths).</summary>
    internal byte[] AppendHmac(ReadOnlySpan<byte> ciphertext)
    {
        byte[] wire = new byte[ciphertext.Length + HmacHexLength];
        ciphertext.CopyTo(wire);
        WriteHexHmac(ciphertext, wire.AsSpan(ciphertext.Length));
        return wire;
    }

    /// <summary>True when the trailing 64 bytes are the correct hex HMAC of the rest (constant-time compare).</summary>
    public bool HasValidHmac(ReadOnlySpan<byte> wire)
    {
        if (wire.Length < HmacHexLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HmacHexLength];
        WriteHexHmac(wire[..^HmacHexLength], expected);
        return CryptographicOperations.FixedTimeEquals(expected, wire[^HmacHexLength..]);
    }

    /// <summary>Checks the HMAC, decrypts, strips trailing 0x00 and decodes UTF-8.</summary>
    /// <exception cref="SnekException">LegacyBadHmac (SecurityError, message "Bad HMAC"); LegacyBadBlockSize or
    /// LegacyBadMessage (ProtocolError).</exception>
    public string Open(ReadOnlySpan<byte> wire)
    {
        if (wire.Length < HmacHexLength)
        {
            throw new SnekException("LegacyBadMessage", ErrorKind.ProtocolError,
                $"The message is {wire.Length} bytes, shorter than its {HmacHexLength}-character HMAC.");
        }

        if (!HasValidHmac(wire))
        {
            throw new SnekException("LegacyBadHmac", ErrorKind.SecurityError, "Bad HMAC");
        }

        byte[] plain = _cipher.Decrypt(wire[..^HmacHexLength]);
        try
        {
            int end = plain.AsSpan().TrimEnd((byte)0).Length;
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plain, 0, end);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SnekException("LegacyBadMessage", ErrorKind.ProtocolError, "The decrypted message is not valid UTF-8.", null, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The server's answer: <c>Server says: </c> and the text reversed by code point (Python's <c>[::-1]</c>).</summary>
    public static string Reply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<Rune> runes = [.. text.EnumerateRunes()];
        StringBuilder sb = new(ReplyPrefix.Length + text.Length);
        sb.Append(ReplyPrefix);
        for (int i = runes.Count - 1; i >= 0; i--)
        {
            sb.Append(runes[i].ToString());
        }

        return sb.ToString();
    }

    private void WriteHexHmac(ReadOnlySpan<byte> ciphertext, Span<byte> hexDestination)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_macKey, ciphertext, mac);
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        for (int i = 0; i < 32; i++)
        {
            hexDestination[2 * i] = digits[mac[i] >> 4];
            hexDestination[(2 * i) + 1] = digits[mac[i] & 0xF];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_macKey);
        _cipher.Dispose();
    }
}
