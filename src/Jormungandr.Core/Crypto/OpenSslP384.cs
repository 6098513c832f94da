using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

using Jormungandr.Interop;

namespace Jormungandr.Crypto;

/// <summary>
/// ECDH on P-384 straight through OpenSSL 3's EVP interface (libcrypto.so.3). .NET's ECDiffieHellman
/// validates every key it creates or imports with full scalar multiplications (n·Q, d·G = Q, and the
/// peer again when deriving): about six multiplications per exchange. P-384 has cofactor 1, so an
/// imported point needs only the on-curve check (coordinates below p, not the point at infinity,
/// curve equation holds: EVP_PKEY_public_check_quick); the exchange then costs one multiplication, and
/// key generation one more. OpenSSL multiplies secret scalars with its constant-time ladder.
/// </summary>
internal static unsafe partial class OpenSslP384
{
    private const string Library = LibCrypto.Library;
    private const uint ParamUtf8String = 4;
    private const uint ParamOctetString = 5;
    private const int SelectPublicKey = 0x86; // EVP_PKEY_PUBLIC_KEY: the public key and its domain parameters

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>True when libcrypto.so.3 (OpenSSL 3.0 or later) is loadable.</summary>
    public static bool IsSupported => Available.Value;

    /// <summary>A fresh key pair from OpenSSL's generator (one fixed-base multiplication).</summary>
    /// <exception cref="CryptographicException">OpenSSL failed.</exception>
    public static P384Key Generate()
    {
        nint ctx = LibCrypto.EVP_PKEY_CTX_new_from_name(0, "EC"u8.AsPointer(), 0);
        try
        {
            nint pkey = 0;
            Check(ctx != 0 && LibCrypto.EVP_PKEY_keygen_init(ctx) == 1 && LibCrypto.EVP_PKEY_CTX_set_group_name(ctx, "P-384"u8.AsPointer()) == 1
                && LibCrypto.EVP_PKEY_generate(ctx, &pkey) == 1, "key generation");
            return new P384Key(pkey);
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    /// <summary>Imports a peer's uncompressed point (0x04 ‖ X ‖ Y) after the on-curve check.</summary>
    /// <exception cref="CryptographicException">Not a point on P-384.</exception>
    public static P384Key ImportPublic(ReadOnlySpan<byte> point)
    {
        if (point.Length != HybridKem.PointSize || point[0] != 0x04)
        {
            throw new CryptographicException($"The P-384 point is not in uncompressed form (0x04 ‖ X ‖ Y, {HybridKem.PointSize} bytes).");
        }

        nint ctx = LibCrypto.EVP_PKEY_CTX_new_from_name(0, "EC"u8.AsPointer(), 0);
        nint pkey = 0;
        try
        {
            fixed (byte* data = point)
            {
                OsslParam* p = stackalloc OsslParam[3];
                p[0] = new OsslParam { Key = "group"u8.AsPointer(), DataType = ParamUtf8String, Data = "P-384"u8.AsPointer(), DataSize = 5 };
                p[1] = new OsslParam { Key = "pub"u8.AsPointer(), DataType = ParamOctetString, Data = data, DataSize = (nuint)point.Length };
                p[2] = default;
                Check(ctx != 0 && LibCrypto.EVP_PKEY_fromdata_init(ctx) == 1 && LibCrypto.EVP_PKEY_fromdata(ctx, &pkey, SelectPublicKey, p) == 1, "point import (not on the curve?)");
            }

            var key = new P384Key(pkey);
            pkey = 0;
            if (!IsOnCurve(key))
            {
                key.Dispose();
                throw new CryptographicException("The P-384 point is not on the curve.");
            }

            return key;
        }
        finally
        {
            LibCrypto.EVP_PKEY_free(pkey);
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    /// <summary>Writes <paramref name="key"/>'s public point as 0x04 ‖ X ‖ Y (97 bytes).</summary>
    public static void WritePublic(P384Key key, Span<byte> destination)
    {
        HybridKem.RequireLength(destination, HybridKem.PointSize, nameof(destination));
        nuint written = 0;
        fixed (byte* d = destination)
        {
            Check(LibCrypto.EVP_PKEY_get_octet_string_param(key.Handle, "encoded-pub-key"u8.AsPointer(), d, (nuint)destination.Length, &written) == 1
                && written == (nuint)destination.Length && d[0] == 0x04, "public point export");
        }
    }

    /// <summary>The 48-byte X coordinate of own·peer into <paramref name="secret"/> (the caller zeroes it).</summary>
    public static void Derive(P384Key own, P384Key peer, Span<byte> secret)
    {
        HybridKem.RequireLength(secret, HybridKem.CoordinateSize, nameof(secret));
        nint ctx = LibCrypto.EVP_PKEY_CTX_new_from_pkey(0, own.Handle, 0);
        try
        {
            nuint length = (nuint)secret.Length;
            fixed (byte* s = secret)
            {
                // validate_peer 0: the peer passed the on-curve check at import; cofactor 1 makes that sufficient.
                Check(ctx != 0 && LibCrypto.EVP_PKEY_derive_init(ctx) == 1 && LibCrypto.EVP_PKEY_derive_set_peer_ex(ctx, peer.Handle, 0) == 1
                    && LibCrypto.EVP_PKEY_derive(ctx, s, &length) == 1 && length == (nuint)secret.Length, "key agreement");
            }
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    private static bool IsOnCurve(P384Key key)
    {
        nint ctx = LibCrypto.EVP_PKEY_CTX_new_from_pkey(0, key.Handle, 0);
        try
        {
            bool ok = ctx != 0 && LibCrypto.EVP_PKEY_public_check_quick(ctx) == 1;
            if (!ok)
            {
                LibCrypto.ERR_clear_error();
            }

            return ok;
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            LibCrypto.ERR_clear_error(); // .NET's own OpenSSL calls share this thread's error queue
            throw new CryptographicException($"OpenSSL P-384 {what} failed.");
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(Library, out _))
        {
            return false;
        }

        try
        {
            return LibCrypto.OpenSSL_version_num() >= 0x30000000;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static byte* AsPointer(this ReadOnlySpan<byte> utf8Literal)
    {
        // u8 literals live in the assembly's read-only data with a NUL after the last byte.
        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(utf8Literal));
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct OsslParam
    {
        public byte* Key;
        public uint DataType;
        public void* Data;
        public nuint DataSize;
        public nuint ReturnSize;
    }

}

/// <summary>An OpenSSL EVP_PKEY holding a P-384 key; freeing it lets OpenSSL clear the private scalar.</summary>
internal sealed class P384Key : SafeHandle
{
    internal P384Key(nint pkey)
        : base(0, ownsHandle: true)
    {
        SetHandle(pkey);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    internal nint Handle => handle;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_PKEY_free(handle);
        return true;
    }
}
