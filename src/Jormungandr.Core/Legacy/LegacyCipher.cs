using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Jormungandr.Legacy;

/// <summary>
/// A negotiated cipher in CBC mode without padding (the codec zero-pads), with the course's key and IV
/// derivation. AES, DES3 and DES run on .NET; Blowfish on BouncyCastle's engine. Every call starts again
/// from the fixed IV, as the reference implementation does per message.
/// </summary>
public sealed class LegacyCipher : IDisposable
{
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly SymmetricAlgorithm? _dotnet;

    /// <summary>Creates the cipher from a derived key and IV (see <see cref="DeriveKeyAndIv"/>).</summary>
    /// <exception cref="SnekException">LegacyBadKey (InvalidData) when the algorithm refuses the key (e.g. a weak DES key).</exception>
    public LegacyCipher(CipherSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(suite);
        Suite = suite;
        if (iv.Length != suite.BlockSize)
        {
            throw new ArgumentException($"{suite.Name} needs a {suite.BlockSize}-byte IV.", nameof(iv));
        }

        _key = key.ToArray();
        _iv = iv.ToArray();
        try
        {
            _dotnet = suite.Name switch
            {
                CipherSuite.Aes => Aes.Create(),
                CipherSuite.Des3 => TripleDES.Create(),
                CipherSuite.Des => DES.Create(),
                _ => null,
            };
            if (_dotnet is not null)
            {
                // Two-key 3DES (K1,K2) is three-key 3DES with K3 = K1; OpenSSL 3 only takes the 24-byte form.
                _dotnet.Key = suite.Name == CipherSuite.Des3 && _key.Length == 16 ? [.. _key, .. _key.AsSpan(0, 8)] : _key;
            }
            else
            {
                // Validate the Blowfish key once, up front.
                new BlowfishEngine().Init(true, new KeyParameter(_key));
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            Dispose();
            throw new SnekException("LegacyBadKey", ErrorKind.InvalidData, $"{suite} refused the derived key: {ex.Message}", suite.ToString(), ex);
        }
    }

    /// <summary>The cipher and key size.</summary>
    public CipherSuite Suite { get; }

    /// <summary>Block (and IV) size in bytes.</summary>
    public int BlockSize => Suite.BlockSize;

    /// <summary>
    /// Key and IV from the 64-character shared key: key = ASCII of its first keysize/8 characters, zero-padded
    /// to what the cipher needs (DES 8 bytes; DES3 16 or 24); IV = ASCII of its last blocksize characters.
    /// </summary>
    public static (byte[] Key, byte[] Iv) DeriveKeyAndIv(string sharedKey, CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(sharedKey);
        ArgumentNullException.ThrowIfNull(suite);
        int keyChars = suite.KeySize / 8;
        int block = suite.BlockSize;
        if (sharedKey.Length < keyChars || sharedKey.Length < block || !Ascii.IsValid(sharedKey))
        {
            throw new ArgumentException($"The shared key must be ASCII and at least {Math.Max(keyChars, block)} characters long for {suite}.", nameof(sharedKey));
        }

        int keyBytes = suite.Name switch
        {
            CipherSuite.Des => 8,
            CipherSuite.Des3 => keyChars <= 16 ? 16 : 24,
            _ => keyChars,
        };
        byte[] key = new byte[keyBytes];
        Encoding.ASCII.GetBytes(sharedKey.AsSpan(0, keyChars), key);
        byte[] iv = Encoding.ASCII.GetBytes(sharedKey[^block..]);
        return (key, iv);
    }

    /// <summary>CBC-encrypts whole blocks from the fixed IV.</summary>
    /// <exception cref="ArgumentException">The input is not a whole number of blocks.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length % BlockSize != 0)
        {
            throw new ArgumentException($"Plaintext must be a multiple of {BlockSize} bytes.", nameof(plaintext));
        }

        return Transform(plaintext, encrypt: true);
    }

    /// <summary>CBC-decrypts whole blocks from the fixed IV.</summary>
    /// <exception cref="SnekException">LegacyBadBlockSize (ProtocolError) when the length is not a multiple of the block size.</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length % BlockSize != 0)
        {
            throw new SnekException("LegacyBadBlockSize", ErrorKind.ProtocolError,
                $"The ciphertext is {ciphertext.Length} bytes, not a multiple of the {Suite.Name} block size ({BlockSize}).");
        }

        return Transform(ciphertext, encrypt: false);
    }

    private byte[] Transform(ReadOnlySpan<byte> input, bool encrypt)
    {
        if (_dotnet is not null)
        {
            return encrypt ? _dotnet.EncryptCbc(input, _iv, PaddingMode.None) : _dotnet.DecryptCbc(input, _iv, PaddingMode.None);
        }

        IBlockCipher cbc = new CbcBlockCipher(new BlowfishEngine());
        cbc.Init(encrypt, new ParametersWithIV(new KeyParameter(_key), _iv));
        byte[] output = new byte[input.Length];
        for (int off = 0; off < input.Length; off += BlockSize)
        {
            cbc.ProcessBlock(input.Slice(off, BlockSize), output.AsSpan(off, BlockSize));
        }

        return output;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _dotnet?.Dispose();
    }
}
