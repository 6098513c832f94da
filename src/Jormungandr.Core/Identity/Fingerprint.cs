using System.Security.Cryptography;

namespace Jormungandr.Identity;

/// <summary>
/// Names a public key everywhere (CLI, cmdlets, status, logs): SHA-256 of the raw key bytes, written
/// like ssh as <c>SHA256:</c> + unpadded base64, or short as the first 16 hex digits in groups of four
/// (<c>3fa2:9c01:7d4e:b210</c>).
/// </summary>
public static class Fingerprint
{
    /// <summary>The prefix of the full form.</summary>
    public const string Prefix = "SHA256:";

    /// <summary>Length of the full form: "SHA256:" + 43 base64 characters.</summary>
    public const int FullLength = 7 + 43;

    /// <summary>Length of the short form: 16 hex digits and 3 colons.</summary>
    public const int ShortLength = 19;

    /// <summary>The full fingerprint, e.g. <c>SHA256:P6KcAX1OshA...</c>.</summary>
    public static string Of(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(publicKey, hash);
        return Prefix + Convert.ToBase64String(hash).TrimEnd('=');
    }

    /// <summary>The short fingerprint, e.g. <c>3fa2:9c01:7d4e:b210</c>.</summary>
    public static string ShortOf(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(publicKey, hash);
        return ShortFromHash(hash);
    }

    /// <summary>The short form of a full fingerprint (<c>SHA256:...</c>); null when it is not one.</summary>
    public static string? ShortFromFull(string fingerprint)
    {
        byte[]? hash = HashFromFull(fingerprint);
        return hash is null ? null : ShortFromHash(hash);
    }

    /// <summary>
    /// True when <paramref name="text"/> names the key with fingerprint <paramref name="fingerprint"/>:
    /// the full form (the <c>SHA256:</c> prefix optional), the short form, or a prefix of at least
    /// 4 hex digits of the short form with or without colons. Case-insensitive for hex.
    /// </summary>
    public static bool Matches(string fingerprint, string text)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        string bare = fingerprint.StartsWith(Prefix, StringComparison.Ordinal) ? fingerprint[Prefix.Length..] : fingerprint;
        string textBare = text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? text[Prefix.Length..] : text;
        if (string.Equals(bare, textBare, StringComparison.Ordinal))
        {
            return true;
        }

        string? shortForm = ShortFromFull(fingerprint);
        if (shortForm is null)
        {
            return false;
        }

        string hex = shortForm.Replace(":", string.Empty, StringComparison.Ordinal);
        string query = text.Replace(":", string.Empty, StringComparison.Ordinal);
        if (query.Length < 4 || query.Length > hex.Length)
        {
            return false;
        }

        foreach (char c in query)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return hex.StartsWith(query, StringComparison.OrdinalIgnoreCase);
    }

    private static string ShortFromHash(ReadOnlySpan<byte> hash)
    {
        string hex = Convert.ToHexStringLower(hash[..8]);
        return string.Create(ShortLength, hex, static (span, h) =>
        {
            int o = 0;
            for (int i = 0; i < 16; i++)
            {
                if (i > 0 && i % 4 == 0)
                {
                    span[o++] = ':';
                }

                span[o++] = h[i];
            }
        });
    }

    private static byte[]? HashFromFull(string fingerprint)
    {
        string bare = fingerprint.StartsWith(Prefix, StringComparison.Ordinal) ? fingerprint[Prefix.Length..] : fingerprint;
        if (bare.Length != 43)
        {
            return null;
        }

        byte[] hash = new byte[SHA256.HashSizeInBytes];
        return Convert.TryFromBase64String(bare + "=", hash, out int written) && written == hash.Length ? hash : null;
    }
}
