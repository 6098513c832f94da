using System.Net;
using System.Security;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>SecureString at the PowerShell edge, plain string only where the command layer needs it.</summary>
internal static class SecureStrings
{
    /// <summary>The text of <paramref name="value"/>, or null when none was given.</summary>
    public static string? Reveal(SecureString? value) =>
        value is null ? null : new NetworkCredential(string.Empty, value).Password;
}
