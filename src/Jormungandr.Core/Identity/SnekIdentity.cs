using System.Security;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Crypto;

namespace Jormungandr.Identity;

/// <summary>
/// A Jormungandr identity (the original design's "certificate"): an ML-DSA-65 key pair, or a public key
/// alone. Files are raw FIPS 204 encodings (<c>.pub</c> 1952 bytes, <c>.priv</c> 4032 bytes, mode 0600) so
/// keys from liboqs or noble load unchanged; a private key may instead be passphrase-protected (docs/identity.md).
/// Dispose to zero the secret key.
/// </summary>
public sealed class SnekIdentity : IDisposable
{
    /// <summary>The algorithm name shown everywhere.</summary>
    public const string AlgorithmName = "ML-DSA-65";

    /// <summary>Raw public key size (FIPS 204 ML-DSA-65 pk).</summary>
    public const int PublicKeySize = 1952;

    /// <summary>Raw secret key size (FIPS 204 ML-DSA-65 sk).</summary>
    public const int SecretKeySize = 4032;

    /// <summary>Signature size.</summary>
    public const int SignatureSize = 3309;

    /// <summary>Default base name of key files: <c>snek-cert.pub</c> / <c>snek-cert.priv</c>.</summary>
    public const string DefaultName = "snek-cert";

    private readonly byte[] _publicKey;
    private byte[]? _secretKey;
    private bool _disposed;

    private SnekIdentity(byte[] publicKey, byte[]? secretKey)
    {
        _publicKey = publicKey;
        _secretKey = secretKey;
        Fingerprint = Identity.Fingerprint.Of(publicKey);
        ShortFingerprint = Identity.Fingerprint.ShortOf(publicKey);
    }

    /// <summary>The parameter set: ML-DSA-65.</summary>
    public static MlDsaParameterSet Parameters => MlDsaParameterSet.MlDsa65;

    /// <summary>A copy of the raw public key (1952 bytes).</summary>
    public byte[] PublicKey => (byte[])_publicKey.Clone();

    /// <summary>The raw public key without copying.</summary>
    public ReadOnlySpan<byte> PublicKeySpan => _publicKey;

    /// <summary><c>SHA256:</c> + unpadded base64 of SHA-256(public key).</summary>
    public string Fingerprint { get; }

    /// <summary>First 16 hex digits of SHA-256(public key), grouped by four: <c>3fa2:9c01:7d4e:b210</c>.</summary>
    public string ShortFingerprint { get; }

    /// <summary>True when this identity can sign.</summary>
    public bool HasPrivateKey => _secretKey is not null;

    /// <summary>The file the public key came from, if loaded from disk.</summary>
    public string? PublicKeyPath { get; private set; }

    /// <summary>The file the private key came from, if loaded from disk.</summary>
    public string? PrivateKeyPath { get; private set; }

    /// <summary>True when the private key was loaded from a passphrase-protected file.</summary>
    public bool IsProtected { get; private set; }

    /// <summary>Generates a new key pair with the active ML-DSA provider (<see cref="MlDsa.Provider"/>).</summary>
    public static SnekIdentity Generate()
    {
        byte[] pk = new byte[PublicKeySize];
        byte[] sk = new byte[SecretKeySize];
        try
        {
            MlDsa.Provider.GenerateKey(Parameters, pk, sk);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(sk);
            throw;
        }

        return new SnekIdentity(pk, sk);
    }

    /// <summary>An identity from raw keys (copied). Throws <see cref="ArgumentException"/> for wrong lengths or a mismatched pair.</summary>
    public static SnekIdentity FromKeys(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secretKey)
    {
        CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        CheckLength(secretKey, SecretKeySize, nameof(secretKey));
        if (!PairIsConsistent(publicKey, secretKey))
        {
            throw new ArgumentException("The secret key does not belong to the public key.", nameof(secretKey));
        }

        return new SnekIdentity(publicKey.ToArray(), secretKey.ToArray());
    }

    /// <summary>A verify-only identity from a raw public key (copied). Throws <see cref="ArgumentException"/> for a wrong length.</summary>
    public static SnekIdentity FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        return new SnekIdentity(publicKey.ToArray(), null);
    }

    /// <summary>Loads a public key file (raw, 1952 bytes).</summary>
    /// <exception cref="SnekException">Not found, unreadable or wrong length (see <see cref="CertificateErrorIds"/>).</exception>
    public static SnekIdentity LoadPublic(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] pk = KeyFile.ReadPublicKey(path, PublicKeySize);
        return new SnekIdentity(pk, null) { PublicKeyPath = Path.GetFullPath(path) };
    }

    /// <summary>
    /// Loads a private key file: raw (4032 bytes) or armored (passphrase-protected). The public key is read
    /// from the <c>.pub</c> beside it (<c>x.priv</c> → <c>x.pub</c>) and must belong to it; without a .pub it
    /// is recomputed from the secret key. The file must not be accessible by group or others (as ssh requires).
    /// </summary>
    /// <param name="path">The private key file.</param>
    /// <param name="passphrase">Needed only for a protected file; ignored for a raw one.</param>
    /// <exception cref="SnekException">
    /// Not found, permissions too open, wrong length, corrupt, passphrase missing or wrong, .pub not
    /// matching (see <see cref="CertificateErrorIds"/>); the message names the file.
    /// </exception>
    public static SnekIdentity LoadPrivate(string path, SecureString? passphrase = null) => LoadPrivate(path, passphrase, null);

    /// <summary>As <see cref="LoadPrivate(string, SecureString?)"/> with the passphrase as plain text (options records that hold a string).</summary>
    public static SnekIdentity LoadPrivate(string path, string? passphrase)
    {
        if (passphrase is null)
        {
            return LoadPrivate(path, (SecureString?)null, null);
        }

        using SecureString secure = SecurePassphrase.From(passphrase);
        return LoadPrivate(path, secure, null);
    }

    /// <summary>As <see cref="LoadPrivate(string, SecureString?)"/>, calling <paramref name="onStretching"/> before a passphrase is stretched.</summary>
    internal static SnekIdentity LoadPrivate(string path, SecureString? passphrase, Action<int>? onStretching)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] content = KeyFile.ReadPrivateFile(path);
        byte[]? sk = null;
        bool isProtected;
        try
        {
            if (content.Length == SecretKeySize)
            {
                sk = content;
                content = [];
                isProtected = false;
            }
            else if (ArmoredPrivateKey.LooksArmored(content))
            {
                if (passphrase is not null && ArmoredPrivateKey.IterationsOf(content) is { } iterations)
                {
                    onStretching?.Invoke(iterations);
                }

                sk = ArmoredPrivateKey.Decrypt(content, passphrase, path);
                isProtected = true;
            }
            else
            {
                throw new SnekException(
                    CertificateErrorIds.InvalidLength,
                    ErrorKind.InvalidData,
                    $"'{path}' is not an ML-DSA-65 private key: it has {content.Length} bytes, expected {SecretKeySize} (raw) or an armored encrypted key.",
                    path);
            }

            // The .pub beside the key names it; without one (a lone liboqs/noble secret key) the public key is
            // recomputed from the secret key. Either way the pair must check out in full before use.
            string pubPath = KeyFile.PublicPathFor(path);
            bool hasPub = File.Exists(pubPath);
            byte[] pk = hasPub ? KeyFile.ReadPublicKey(pubPath, PublicKeySize) : DerivePublicKey(sk);
            if (!hasPub && !KeyPairMatches(pk, sk))
            {
                throw new SnekException(
                    CertificateErrorIds.Corrupt,
                    ErrorKind.InvalidData,
                    $"'{path}' is not a valid ML-DSA-65 private key: its embedded public-key hash does not match the key.",
                    path);
            }

            if (hasPub && !PairIsConsistent(pk, sk))
            {
                throw new SnekException(
                    CertificateErrorIds.Mismatch,
                    ErrorKind.InvalidData,
                    $"The private key '{path}' does not belong to the public key '{pubPath}'.",
                    path);
            }

            SnekIdentity identity = new(pk, sk)
            {
                PublicKeyPath = hasPub ? Path.GetFullPath(pubPath) : null,
                PrivateKeyPath = Path.GetFullPath(path),
                IsProtected = isProtected,
            };
            sk = null; // Owned by the identity now.
            return identity;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            if (sk is not null)
            {
                CryptographicOperations.ZeroMemory(sk);
            }
        }
    }

    /// <summary>
    /// True when <paramref name="secretKey"/> belongs to <paramref name="publicKey"/>: FIPS 204 stores
    /// ρ = pk[0..32] and tr = SHAKE256(pk, 64) in the secret key (sk[0..32], sk[64..128]); both must agree.
    /// </summary>
    public static bool KeyPairMatches(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secretKey)
    {
        if (publicKey.Length != PublicKeySize || secretKey.Length != SecretKeySize)
        {
            return false;
        }

        Span<byte> tr = stackalloc byte[64];
        Keccak.Shake256(publicKey, tr);
        return CryptographicOperations.FixedTimeEquals(publicKey[..32], secretKey[..32])
            & CryptographicOperations.FixedTimeEquals(tr, secretKey.Slice(64, 64));
    }

    /// <summary>
    /// Recomputes the public key of a raw secret key (t1 from ρ, s1, s2), for a private key without its .pub.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="secretKey"/> is not <see cref="SecretKeySize"/> bytes.</exception>
    public static byte[] DerivePublicKey(ReadOnlySpan<byte> secretKey)
    {
        CheckLength(secretKey, SecretKeySize, nameof(secretKey));
        byte[] pk = new byte[PublicKeySize];
        MlDsaManaged.DerivePublicKey(Parameters, secretKey, pk);
        return pk;
    }

    /// <summary>Full check: ρ and tr agree (<see cref="KeyPairMatches"/>) and the secret vectors give this public key.</summary>
    internal static bool PairIsConsistent(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secretKey)
    {
        if (!KeyPairMatches(publicKey, secretKey))
        {
            return false;
        }

        Span<byte> derived = new byte[PublicKeySize];
        MlDsaManaged.DerivePublicKey(Parameters, secretKey, derived);
        return CryptographicOperations.FixedTimeEquals(derived, publicKey);
    }

    /// <summary>Signs (ML-DSA.Sign, hedged) <paramref name="message"/> with <paramref name="context"/> (at most 255 bytes).</summary>
    /// <exception cref="InvalidOperationException">This identity has no private key.</exception>
    /// <exception cref="ArgumentException"><paramref name="signature"/> is not <see cref="SignatureSize"/> bytes, or the context is too long.</exception>
    public void Sign(ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] sk = _secretKey ?? throw new InvalidOperationException($"The identity {ShortFingerprint} has no private key; it can only verify.");
        CheckLength(signature, SignatureSize, nameof(signature));
        MlDsa.Provider.Sign(Parameters, sk, message, context, signature);
    }

    /// <summary>Signs and returns a new <see cref="SignatureSize"/>-byte signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message, ReadOnlySpan<byte> context)
    {
        byte[] signature = new byte[SignatureSize];
        Sign(message, context, signature);
        return signature;
    }

    /// <summary>Verifies (ML-DSA.Verify). False for any wrong signature, including one of the wrong length.</summary>
    /// <exception cref="ArgumentException">The context is longer than 255 bytes.</exception>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature)
    {
        if (context.Length > MlDsaParameterSet.MaxContextLength)
        {
            throw new ArgumentException($"The context must be at most {MlDsaParameterSet.MaxContextLength} bytes, got {context.Length}.", nameof(context));
        }

        return signature.Length == SignatureSize && MlDsa.Provider.Verify(Parameters, _publicKey, message, context, signature);
    }

    /// <summary>Writes the raw public key to <paramref name="path"/> (mode 0644, atomically).</summary>
    /// <exception cref="SnekException">Exists and not <paramref name="overwrite"/>, or cannot be written.</exception>
    public void SavePublic(string path, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        KeyFile.WriteAtomic(path, _publicKey, KeyFile.PublicMode, overwrite);
    }

    /// <summary>
    /// Writes the private key to <paramref name="path"/> (mode 0600, atomically): raw, or armored and
    /// encrypted when <paramref name="passphrase"/> is given (PBKDF2-SHA-256, 600,000 iterations; AES-256-GCM).
    /// </summary>
    /// <exception cref="InvalidOperationException">This identity has no private key.</exception>
    /// <exception cref="SnekException">Exists and not <paramref name="overwrite"/>, or cannot be written.</exception>
    public void SavePrivate(string path, SecureString? passphrase = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] sk = _secretKey ?? throw new InvalidOperationException($"The identity {ShortFingerprint} has no private key.");
        if (passphrase is null)
        {
            KeyFile.WriteAtomic(path, sk, KeyFile.PrivateMode, overwrite);
            return;
        }

        byte[] armored = Encoding.ASCII.GetBytes(ArmoredPrivateKey.Encrypt(sk, passphrase, SystemRandom.Instance));
        KeyFile.WriteAtomic(path, armored, KeyFile.PrivateMode, overwrite);
    }

    /// <summary>
    /// The private key as text to embed in a profile: base64 of the raw secret key, or, with
    /// <paramref name="passphrase"/>, the armored encrypted form (as in a protected <c>.priv</c> file).
    /// </summary>
    /// <exception cref="InvalidOperationException">This identity has no private key.</exception>
    public string PrivateKeyText(SecureString? passphrase)
    {
        ReadOnlySpan<byte> sk = SecretKeySpan;
        return passphrase is null ? Convert.ToBase64String(sk) : ArmoredPrivateKey.Encrypt(sk, passphrase, SystemRandom.Instance);
    }

    /// <summary>
    /// Reads a private key embedded as text (<see cref="PrivateKeyText"/>); the public key is recomputed
    /// from it and must match its embedded hash. <paramref name="sourceName"/> names it in errors.
    /// </summary>
    /// <exception cref="SnekException">Corrupt, wrong length, passphrase missing or wrong.</exception>
    public static SnekIdentity FromPrivateKeyText(string text, string? passphrase, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] content = Encoding.ASCII.GetBytes(text);
        byte[]? sk = null;
        try
        {
            if (ArmoredPrivateKey.LooksArmored(content))
            {
                using SecureString? secure = passphrase is null ? null : SecurePassphrase.From(passphrase);
                sk = ArmoredPrivateKey.Decrypt(content, secure, sourceName);
            }
            else
            {
                sk = new byte[SecretKeySize];
                if (!Convert.TryFromBase64String(text.Trim(), sk, out int written) || written != SecretKeySize)
                {
                    throw new SnekException(CertificateErrorIds.InvalidLength, ErrorKind.InvalidData,
                        $"{sourceName}: the private key is neither base64 of a {SecretKeySize}-byte ML-DSA-65 secret key nor an armored encrypted key.", sourceName);
                }
            }

            byte[] pk = DerivePublicKey(sk);
            if (!KeyPairMatches(pk, sk))
            {
                throw new SnekException(CertificateErrorIds.Corrupt, ErrorKind.InvalidData,
                    $"{sourceName}: the private key is not a valid ML-DSA-65 key: its embedded public-key hash does not match.", sourceName);
            }

            SnekIdentity identity = new(pk, sk) { IsProtected = ArmoredPrivateKey.LooksArmored(content) };
            sk = null; // Owned by the identity now.
            return identity;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            if (sk is not null)
            {
                CryptographicOperations.ZeroMemory(sk);
            }
        }
    }

    /// <summary>The raw secret key (internal: for writing files and the handshake).</summary>
    internal ReadOnlySpan<byte> SecretKeySpan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secretKey ?? throw new InvalidOperationException($"The identity {ShortFingerprint} has no private key.");
        }
    }

    /// <summary>Zeroes the secret key.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_secretKey is not null)
        {
            CryptographicOperations.ZeroMemory(_secretKey);
            _secretKey = null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{AlgorithmName} {Fingerprint}";

    private static void CheckLength(ReadOnlySpan<byte> value, int expected, string name)
    {
        if (value.Length != expected)
        {
            throw new ArgumentException($"{name} must be {expected} bytes for {AlgorithmName}, got {value.Length}.", name);
        }
    }
}
