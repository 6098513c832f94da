using System.Runtime.InteropServices;
using Jormungandr.Crypto;

namespace Jormungandr.Interop;

/// <summary>The OpenSSL 3 libcrypto calls of the project (P-384 through the EVP interface, see <see cref="OpenSslP384"/>).</summary>
internal static unsafe partial class LibCrypto
{
    /// <summary>The library's soname.</summary>
    public const string Library = "libcrypto.so.3";

    [LibraryImport(Library)]
    public static partial ulong OpenSSL_version_num();

    [LibraryImport(Library)]
    public static partial void ERR_clear_error();

    [LibraryImport(Library)]
    public static partial nint EVP_PKEY_CTX_new_from_name(nint libraryContext, byte* name, nint properties);

    [LibraryImport(Library)]
    public static partial nint EVP_PKEY_CTX_new_from_pkey(nint libraryContext, nint pkey, nint properties);

    [LibraryImport(Library)]
    public static partial void EVP_PKEY_CTX_free(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_keygen_init(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_CTX_set_group_name(nint ctx, byte* name);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_generate(nint ctx, nint* pkey);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_fromdata_init(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_fromdata(nint ctx, nint* pkey, int selection, OpenSslP384.OsslParam* parameters);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_public_check_quick(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_get_octet_string_param(nint pkey, byte* name, byte* buffer, nuint size, nuint* written);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_derive_init(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_derive_set_peer_ex(nint ctx, nint peer, int validatePeer);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_derive(nint ctx, byte* secret, nuint* length);

    [LibraryImport(Library)]
    public static partial void EVP_PKEY_free(nint pkey);
}
