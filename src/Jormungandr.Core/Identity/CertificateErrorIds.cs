namespace Jormungandr.Identity;

/// <summary>The stable ErrorIds of identity ("certificate") failures; scripts and tests match on them.</summary>
public static class CertificateErrorIds
{
    /// <summary>The file (or the public key beside a private key) does not exist (ObjectNotFound).</summary>
    public const string NotFound = "CertificateNotFound";

    /// <summary>The file has the wrong size for an ML-DSA-65 key (InvalidData).</summary>
    public const string InvalidLength = "CertificateInvalidLength";

    /// <summary>An armored private key is malformed or uses too few PBKDF2 iterations (InvalidData).</summary>
    public const string Corrupt = "CertificateCorrupt";

    /// <summary>The passphrase does not open the armored private key, or the file was altered (SecurityError).</summary>
    public const string WrongPassphrase = "CertificateWrongPassphrase";

    /// <summary>The private key is protected and no passphrase was given (InvalidArgument).</summary>
    public const string PassphraseRequired = "CertificatePassphraseRequired";

    /// <summary>The private key file is group- or world-accessible (PermissionDenied).</summary>
    public const string PermissionsTooOpen = "CertificatePermissionsTooOpen";

    /// <summary>The private key file is owned by neither the user loading it nor root (PermissionDenied).</summary>
    public const string WrongOwner = "CertificateWrongOwner";

    /// <summary>The file could not be read or written for lack of rights (PermissionDenied).</summary>
    public const string AccessDenied = "CertificateAccessDenied";

    /// <summary>A key file already exists and overwriting was not allowed (ResourceExists).</summary>
    public const string Exists = "CertificateExists";

    /// <summary>The private key and the public key beside it are not one pair (InvalidData).</summary>
    public const string Mismatch = "CertificateMismatch";

    /// <summary>A path is of the wrong kind: a directory, FIFO, device or socket where a regular file was expected (InvalidArgument).</summary>
    public const string InvalidPath = "CertificateInvalidPath";

    /// <summary>An I/O failure other than the above (NotSpecified).</summary>
    public const string IOError = "CertificateIOError";

    /// <summary>A key name or passphrase given to New-SnekCertificate / snek gencert is unusable (InvalidArgument).</summary>
    public const string InvalidArgument = "CertificateInvalidArgument";
}
