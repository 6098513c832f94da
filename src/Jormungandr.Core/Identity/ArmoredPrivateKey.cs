using System.Buffers.Binary;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Crypto;

namespace Jormungandr.Identity;

/// <summary>
/// The passphrase-protected private key file (docs/identity.md):
/// <code>
/// -----BEGIN SNEK ENCRYPTED PRIVATE KEY-----
/// base64( version(1) = 1 || salt(16) || iterations(4, big-endian) || nonce(12) || ciphertext(4032) || tag(16) ), 64 columns
/// -----END SNEK ENCRYPTED PRIVATE KEY-----
/// </code>
/// key = PBKDF2-HMAC-SHA-256(UTF-8 passphrase, salt, iterations, 32 bytes); AES-256-GCM over the raw
/// FIPS 204 secret key with the 33-byte header (version..nonce) as associated data, so no header field
/// can be changed without the tag failing. Files with fewer than <see cref="MinIterations"/> are refused (no downgrade).
/// </summary>
internal static class ArmoredPrivateKey
{
    /// <summary>First line of the file.</summary>
    public const string BeginLine = "-----BEGIN SNEK ENCRYPTED PRIVATE KEY-----";

    /// <summary>Last line of the file.</summary>
    public const string EndLine = "-----END SNEK ENCRYPTED PRIVATE KEY-----";

    /// <summary>The only format version.</summary>
    public const byte Version = 1;

    /// <summary>PBKDF2 salt size.</summary>
    public const int SaltSize = 16;

    /// <summary>AES-GCM nonce size.</summary>
    public const int NonceSize = 12;

    /// <summary>AES-GCM tag size.</summary>
    public const int TagSize = 16;

    /// <summary>version || salt || iterations || nonce.</summary>
    public const int HeaderSize = 1 + SaltSize + 4 + NonceSize;

    /// <summary>Fewest PBKDF2 iterations written or accepted (OWASP 2023 for PBKDF2-HMAC-SHA-256).</summary>
    public const int MinIterations = 600_000;

    /// <summary>Most PBKDF2 iterations accepted, so a hostile file cannot stall the loader for minutes.</summary>
    public const int MaxIterations = 20_000_000;

    /// <summary>Iterations used for new files.</summary>
    public const int DefaultIterations = MinIterations;

    /// <summary>Size of the decoded binary form.</summary>
    public const int BinarySize = HeaderSize + SnekIdentity.SecretKeySize + TagSize;

    private const int LineLength = 64;

    /// <summary>True when the file content starts like an armored key (leading whitespace allowed).</summary>
    public static bool LooksArmored(ReadOnlySpan<byte> content)
    {
        ReadOnlySpan<byte> begin = "-----BEGIN SNEK ENCRYPTED PRIVATE KEY-----"u8;
        int i = 0;
        while (i < content.Length && (content[i] == (byte)' ' || content[i] == (byte)'\t' || content[i] == (byte)'\r' || content[i] == (byte)'\n'))
        {
            i++;
        }

        return content[i..].StartsWith(begin);
    }

    /// <summary>Encrypts a raw secret key under a passphrase; returns the file's ASCII text.</summary>
    public static string Encrypt(ReadOnlySpan<byte> secretKey, SecureString passphrase, IRandomSource random, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        ArgumentNullException.ThrowIfNull(random);
        if (secretKey.Length != SnekIdentity.SecretKeySize)
        {
            throw new ArgumentException($"Secret key must be {SnekIdentity.SecretKeySize} bytes, got {secretKey.Length}.", nameof(secretKey));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);

        byte[] blob = new byte[BinarySize];
        Span<byte> header = blob.AsSpan(0, HeaderSize);
        header[0] = Version;
        random.Fill(header.Slice(1, SaltSize));
        BinaryPrimitives.WriteInt32BigEndian(header.Slice(1 + SaltSize, 4), iterations);
        random.Fill(header.Slice(1 + SaltSize + 4, NonceSize));

        byte[] key = DeriveKey(passphrase, header.Slice(1, SaltSize), iterations);
        try
        {
            using AesGcm aes = new(key, TagSize);
            aes.Encrypt(
                header.Slice(1 + SaltSize + 4, NonceSize),
                secretKey,
                blob.AsSpan(HeaderSize, SnekIdentity.SecretKeySize),
                blob.AsSpan(HeaderSize + SnekIdentity.SecretKeySize, TagSize),
                header);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        StringBuilder text = new();
        text.Append(BeginLine).Append('\n');
        string base64 = Convert.ToBase64String(blob);
        for (int i = 0; i < base64.Length; i += LineLength)
        {
            text.Append(base64, i, Math.Min(LineLength, base64.Length - i)).Append('\n');
        }

        text.Append(EndLine).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Decrypts an armored key file's content into a new 4032-byte array the caller must zero.
    /// </summary>
    /// <exception cref="SnekException">Corrupt, too few iterations, no passphrase, or wrong passphrase; the message names <paramref name="path"/>.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> content, SecureString? passphrase, string path)
    {
        byte[] blob = DecodeArmor(content, path);
        ReadOnlySpan<byte> header = blob.AsSpan(0, HeaderSize);
        int iterations = CheckedIterations(blob, path);
        if (passphrase is null)
        {
            throw new SnekException(
                CertificateErrorIds.PassphraseRequired,
                ErrorKind.InvalidArgument,
                $"'{path}' is protected by a passphrase; give it with --passphrase-file/--passphrase-stdin (-Passphrase in PowerShell).",
                path);
        }

        byte[] key = DeriveKey(passphrase, header.Slice(1, SaltSize), iterations);
        byte[] secretKey = new byte[SnekIdentity.SecretKeySize];
        try
        {
            using AesGcm aes = new(key, TagSize);
            aes.Decrypt(
                header.Slice(1 + SaltSize + 4, NonceSize),
                blob.AsSpan(HeaderSize, SnekIdentity.SecretKeySize),
                blob.AsSpan(HeaderSize + SnekIdentity.SecretKeySize, TagSize),
                secretKey,
                header);
            return secretKey;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            CryptographicOperations.ZeroMemory(secretKey);
            throw new SnekException(
                CertificateErrorIds.WrongPassphrase,
                ErrorKind.SecurityError,
                $"Wrong passphrase for '{path}' (or the file was altered).",
                path,
                ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Checks an armored file's structure and iteration count without a passphrase.</summary>
    /// <exception cref="SnekException"><see cref="CertificateErrorIds.Corrupt"/>.</exception>
    public static void Validate(ReadOnlySpan<byte> content, string path) => CheckedIterations(DecodeArmor(content, path), path);

    // The downgrade guard: checked before any PBKDF2 work.
    private static int CheckedIterations(byte[] blob, string path)
    {
        int iterations = BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(1 + SaltSize, 4));
        if (iterations < MinIterations || iterations > MaxIterations)
        {
            throw Corrupt(path, $"it asks for {iterations} PBKDF2 iterations; snek accepts {MinIterations} to {MaxIterations} (fewer would weaken the passphrase protection)");
        }

        return iterations;
    }

    /// <summary>The PBKDF2 iteration count an armored file asks for, for progress messages; null when unreadable.</summary>
    public static int? IterationsOf(ReadOnlySpan<byte> content)
    {
        try
        {
            return BinaryPrimitives.ReadInt32BigEndian(DecodeArmor(content, string.Empty).AsSpan(1 + SaltSize, 4));
        }
        catch (SnekException)
        {
            return null;
        }
    }

    private static byte[] DeriveKey(SecureString passphrase, ReadOnlySpan<byte> salt, int iterations)
    {
        byte[] password = SecurePassphrase.ToUtf8(passphrase);
        try
        {
            return Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private static byte[] DecodeArmor(ReadOnlySpan<byte> content, string path)
    {
        // ASCII only: anything else is not ours.
        foreach (byte b in content)
        {
            if (b > 0x7F)
            {
                throw Corrupt(path, "it contains non-ASCII bytes");
            }
        }

        string text = Encoding.ASCII.GetString(content).Trim();
        if (!text.StartsWith(BeginLine, StringComparison.Ordinal))
        {
            throw Corrupt(path, $"it does not start with '{BeginLine}'");
        }

        int end = text.IndexOf(EndLine, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Corrupt(path, $"the '{EndLine}' line is missing");
        }

        if (end + EndLine.Length != text.Length)
        {
            throw Corrupt(path, "there is data after the END line");
        }

        ReadOnlySpan<char> body = text.AsSpan(BeginLine.Length, end - BeginLine.Length);
        Span<char> compact = new char[body.Length];
        int n = 0;
        foreach (char c in body)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            compact[n++] = c;
        }

        // Base64 of BinarySize bytes is exactly this long; checking first bounds the allocation.
        int expectedChars = (BinarySize + 2) / 3 * 4;
        if (n != expectedChars)
        {
            throw Corrupt(path, $"its body has {n} base64 characters, expected {expectedChars}");
        }

        byte[] blob = new byte[BinarySize];
        if (!Convert.TryFromBase64Chars(compact[..n], blob, out int written) || written != BinarySize)
        {
            throw Corrupt(path, "its body is not valid base64");
        }

        if (blob[0] != Version)
        {
            throw Corrupt(path, $"format version {blob[0]} is not supported (expected {Version})");
        }

        return blob;
    }

    private static SnekException Corrupt(string path, string reason) => new(
        CertificateErrorIds.Corrupt,
        ErrorKind.InvalidData,
        $"'{path}' is not a valid encrypted snek private key: {reason}.",
        path);
}
