using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.Crypto;

namespace Jormungandr.Legacy;

/// <summary>
/// Finite-field Diffie-Hellman exactly as the Python package <c>diffiehellman</c> 0.13 does it: an RFC 3526
/// group (default 18), a private value read big-endian from 88 random bytes (its key_length 640 // 8 + 8),
/// public value g^x mod p, peer values accepted only when 2 &lt; y &lt; p-1 and y^((p-1)/2) mod p = 1, and the
/// shared key = lowercase hex SHA-256 of s as big-endian bytes of length floor(bitlength(s)/8)+1.
/// </summary>
/// <remarks>
/// BigInteger cannot be wiped; the private value is dropped on <see cref="Dispose"/> and its byte form is
/// zeroed where this class creates it.
/// </remarks>
public sealed class DiffieHellmanKeyExchange : IDisposable
{
    /// <summary>Random bytes in the private value.</summary>
    public const int PrivateValueBytes = 88;

    /// <summary>The message prefix of both key-exchange messages.</summary>
    public const string MessagePrefix = "DHMKE:";

    private BigInteger _private;
    private bool _disposed;

    /// <summary>Creates a key pair in <paramref name="group"/> from <paramref name="random"/> (default: the OS CSPRNG).</summary>
    /// <exception cref="SnekException">LegacyUnknownDhGroup (InvalidArgument).</exception>
    public DiffieHellmanKeyExchange(int group = DiffieHellmanGroups.DefaultGroup, IRandomSource? random = null)
    {
        Prime = DiffieHellmanGroups.Prime(group);
        Group = group;
        Span<byte> bytes = stackalloc byte[PrivateValueBytes];
        (random ?? SystemRandom.Instance).Fill(bytes);
        _private = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        CryptographicOperations.ZeroMemory(bytes);
        PublicValue = BigInteger.ModPow(DiffieHellmanGroups.Generator, _private, Prime);
    }

    /// <summary>The RFC 3526 group number.</summary>
    public int Group { get; }

    /// <summary>The group's prime.</summary>
    public BigInteger Prime { get; }

    /// <summary>g^x mod p, sent as <c>DHMKE:&lt;decimal&gt;</c>.</summary>
    public BigInteger PublicValue { get; }

    /// <summary>This side's key-exchange message.</summary>
    public string FormatMessage() => MessagePrefix + PublicValue.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The Python package's check: 2 &lt; y &lt; p-1 and y^((p-1)/2) mod p = 1 (y in the prime-order subgroup).
    /// By Euler's criterion y^((p-1)/2) mod p is the Legendre symbol (y|p) for the prime p, so it is computed
    /// as a Jacobi symbol: the same answer without an 8192-bit exponentiation per handshake (which would also
    /// let any client burn a second of server CPU). <paramref name="prime"/> must be one of the group primes.
    /// </summary>
    public static bool IsValidPeerValue(BigInteger y, BigInteger prime) =>
        y > 2 && y < prime - 1 && Jacobi(y, prime) == 1;

    /// <summary>The check written literally as the Python package does it (tests compare the two).</summary>
    internal static bool IsValidPeerValueByExponent(BigInteger y, BigInteger prime) =>
        y > 2 && y < prime - 1 && BigInteger.ModPow(y, (prime - 1) >> 1, prime).IsOne;

    /// <summary>The Jacobi symbol (a|n) for odd positive n: 1, -1 or 0.</summary>
    internal static int Jacobi(BigInteger a, BigInteger n)
    {
        if (n.Sign <= 0 || n.IsEven)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "The Jacobi symbol needs an odd positive modulus.");
        }

        a = BigInteger.Remainder(a, n);
        if (a.Sign < 0)
        {
            a += n;
        }

        int t = 1;
        while (!a.IsZero)
        {
            int zeros = (int)BigInteger.TrailingZeroCount(a);
            a >>= zeros;
            int nMod8 = (int)(n & 7);
            if ((zeros & 1) == 1 && (nMod8 == 3 || nMod8 == 5))
            {
                t = -t;
            }

            (a, n) = (n, a);
            if ((int)(a & 3) == 3 && (int)(n & 3) == 3)
            {
                t = -t;
            }

            a = BigInteger.Remainder(a, n);
        }

        return n.IsOne ? t : 0;
    }

    /// <summary>Checks the peer's value and returns the 64-character shared key.</summary>
    /// <exception cref="SnekException">LegacyBadDhValue (ProtocolError) when the value fails the check.</exception>
    public string ComputeSharedKey(BigInteger peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsValidPeerValue(peerPublicValue, Prime))
        {
            throw BadValue($"the peer's Diffie-Hellman value is not in the group-{Group} subgroup (need 2 < y < p-1 and y^((p-1)/2) = 1 mod p)");
        }

        return SharedKeyFromSecret(BigInteger.ModPow(peerPublicValue, _private, Prime));
    }

    /// <summary>Lowercase hex SHA-256 of s as big-endian bytes, floor(bitlength(s)/8)+1 long (as the Python package).</summary>
    public static string SharedKeyFromSecret(BigInteger secret)
    {
        if (secret.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(secret), "The shared secret is never negative.");
        }

        int length = (int)(secret.GetBitLength() / 8) + 1;
        byte[] bytes = new byte[length];
        int unsignedLength = secret.GetByteCount(isUnsigned: true);
        // Right-align: the Python form has a leading 0x00 whenever the bit length is a multiple of 8.
        if (!secret.TryWriteBytes(bytes.AsSpan(length - unsignedLength), out _, isUnsigned: true, isBigEndian: true))
        {
            throw new InvalidOperationException("Shared secret did not fit its computed length.");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        CryptographicOperations.ZeroMemory(bytes);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Reads <c>DHMKE:&lt;decimal&gt;</c> (one trailing newline tolerated) and range-checks the value against
    /// <paramref name="prime"/>; the subgroup check happens in <see cref="ComputeSharedKey"/>.
    /// </summary>
    /// <exception cref="SnekException">LegacyBadDhValue (ProtocolError).</exception>
    public static BigInteger ParseMessage(string text, BigInteger prime)
    {
        ArgumentNullException.ThrowIfNull(text);
        string body = text.TrimEnd('\r', '\n');
        if (!body.StartsWith(MessagePrefix, StringComparison.Ordinal))
        {
            throw BadValue($"expected '{MessagePrefix}<decimal>', got '{CipherSuite.Truncate(body)}'");
        }

        ReadOnlySpan<char> digits = body.AsSpan(MessagePrefix.Length);
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            throw BadValue("the Diffie-Hellman value is not a decimal number");
        }

        // A value with more significant digits than p is >= p; refuse it before parsing anything large.
        digits = digits.TrimStart('0');
        int maxDigits = prime.ToString(CultureInfo.InvariantCulture).Length;
        if (digits.Length > maxDigits)
        {
            throw BadValue("the Diffie-Hellman value is not below the group prime");
        }

        BigInteger value = digits.IsEmpty ? BigInteger.Zero : BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value <= 2 || value >= prime - 1)
        {
            throw BadValue(value >= prime ? "the Diffie-Hellman value is not below the group prime" : $"the Diffie-Hellman value {(value < 3 ? value.ToString(CultureInfo.InvariantCulture) : "p-1")} is out of range (need 2 < y < p-1)");
        }

        return value;
    }

    /// <summary>True when <paramref name="received"/> is a full-length key-exchange message (as many digits as p), so no more can follow.</summary>
    internal static bool IsCompleteMessage(ReadOnlySpan<byte> received, int primeDigits) =>
        received.Length == MessagePrefix.Length + primeDigits && received.StartsWith("DHMKE:"u8) && received[MessagePrefix.Length] != (byte)'0';

    /// <inheritdoc />
    public void Dispose()
    {
        _private = BigInteger.Zero;
        _disposed = true;
    }

    private static SnekException BadValue(string why) =>
        new("LegacyBadDhValue", ErrorKind.ProtocolError, $"Bad Diffie-Hellman value: {why}.");
}
