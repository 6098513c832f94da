namespace Jormungandr.Identity;

/// <summary>
/// A key pair (or lone public key) on disk, as <c>New-SnekCertificate</c>, <c>Get-SnekCertificate</c>,
/// <c>snek gencert</c> and <c>snek cert show</c> report it.
/// </summary>
public sealed class SnekCertificate
{
    /// <summary>Base name of the files, e.g. <c>snek-cert</c> for snek-cert.pub / snek-cert.priv.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The signature algorithm: <c>ML-DSA-65</c>.</summary>
    public string Algorithm { get; set; } = SnekIdentity.AlgorithmName;

    /// <summary>The key's full fingerprint: <c>SHA256:</c> + unpadded base64 of SHA-256(public key).</summary>
    public string Fingerprint { get; set; } = string.Empty;

    /// <summary>The short fingerprint: first 16 hex digits grouped by four (<c>3fa2:9c01:7d4e:b210</c>).</summary>
    public string ShortFingerprint { get; set; } = string.Empty;

    /// <summary>Full path of the public key file; null when there is none.</summary>
    public string? PublicKeyPath { get; set; }

    /// <summary>Full path of the private key file; null when there is none (a peer's public key).</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>True when the private key file is passphrase-protected (armored, AES-256-GCM).</summary>
    public bool Protected { get; set; }

    /// <summary>When the key files were created (file system time, UTC).</summary>
    public DateTimeOffset Created { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Algorithm} {Fingerprint}";
}
