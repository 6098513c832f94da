using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace Jormungandr.Identity;

/// <summary>Passphrases travel as <see cref="SecureString"/> (what PowerShell's Read-Host -AsSecureString gives).</summary>
public static class SecurePassphrase
{
    /// <summary>A read-only <see cref="SecureString"/> holding <paramref name="text"/> (for the CLI, which reads it from a file or stdin).</summary>
    public static unsafe SecureString From(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            SecureString empty = new();
            empty.MakeReadOnly();
            return empty;
        }

        fixed (char* p = text)
        {
            SecureString s = new(p, text.Length);
            s.MakeReadOnly();
            return s;
        }
    }

    /// <summary>
    /// The passphrase as UTF-8 bytes in a new array the caller must zero
    /// (<see cref="System.Security.Cryptography.CryptographicOperations.ZeroMemory"/>).
    /// </summary>
    internal static byte[] ToUtf8(SecureString passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        IntPtr unmanaged = Marshal.SecureStringToGlobalAllocUnicode(passphrase);
        try
        {
            unsafe
            {
                ReadOnlySpan<char> chars = new((char*)unmanaged, passphrase.Length);
                byte[] bytes = new byte[Encoding.UTF8.GetByteCount(chars)];
                Encoding.UTF8.GetBytes(chars, bytes);
                return bytes;
            }
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
        }
    }
}
