using System.Security;

namespace Jormungandr.Identity;

/// <summary>Options of <see cref="NewCertificateCommand"/> (<c>snek gencert</c>, <c>New-SnekCertificate</c>).</summary>
public sealed record NewCertificateOptions
{
    /// <summary>Directory to write the key files into; created (mode 0700) when missing. Required.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>Base name: the files are <c>&lt;Name&gt;.pub</c> and <c>&lt;Name&gt;.priv</c>.</summary>
    public string Name { get; init; } = SnekIdentity.DefaultName;

    /// <summary>When set, the private key is written armored and encrypted under this passphrase.</summary>
    public SecureString? Passphrase { get; init; }

    /// <summary>Overwrite existing key files.</summary>
    public bool Force { get; init; }
}
