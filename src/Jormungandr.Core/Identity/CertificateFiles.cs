using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.IO;

namespace Jormungandr.Identity;

/// <summary>Describes a key pair on disk without loading (or decrypting) its secret.</summary>
internal static class CertificateFiles
{
    /// <summary>The path without <c>.pub</c>/<c>.priv</c>.</summary>
    public static string BasePathOf(string path)
    {
        if (path.EndsWith(KeyFile.PublicExtension, StringComparison.Ordinal))
        {
            return path[..^KeyFile.PublicExtension.Length];
        }

        return path.EndsWith(KeyFile.PrivateExtension, StringComparison.Ordinal) ? path[..^KeyFile.PrivateExtension.Length] : path;
    }

    /// <summary>When a key file was created (birth time where the file system keeps it), UTC.</summary>
    public static DateTimeOffset CreatedTime(string path) => new(File.GetCreationTimeUtc(path), TimeSpan.Zero);

    /// <summary>
    /// Describes <c>basePath.pub</c>/<c>basePath.priv</c>. Checks the public key's length, the private key's
    /// form (raw length or armored structure), that a raw pair matches (a lone raw .priv gets its public key
    /// recomputed), and warns when the private key is accessible by others or owned by another user (loading it
    /// would be refused).
    /// </summary>
    /// <exception cref="SnekException">A file is missing, unreadable, malformed, or the pair does not match.</exception>
    public static SnekCertificate Describe(string basePath, ICommandOutput output)
    {
        string publicPath = basePath + KeyFile.PublicExtension;
        string privatePath = basePath + KeyFile.PrivateExtension;
        bool hasPublic = File.Exists(publicPath);
        bool hasPrivate = File.Exists(privatePath);
        if (!hasPublic && !hasPrivate)
        {
            throw new SnekException(CertificateErrorIds.NotFound, ErrorKind.ObjectNotFound, $"No key file '{publicPath}' or '{privatePath}'.", publicPath);
        }

        byte[]? publicKey = hasPublic ? KeyFile.ReadPublicKey(publicPath, SnekIdentity.PublicKeySize) : null;
        bool isProtected = false;
        if (hasPrivate)
        {
            byte[] content = KeyFile.ReadPrivateFile(privatePath, checkAccess: false, out FileStatus status);
            try
            {
                if (content.Length == SnekIdentity.SecretKeySize)
                {
                    if (publicKey is null)
                    {
                        // A lone raw secret key (as liboqs or noble may leave it): recompute its public key.
                        publicKey = SnekIdentity.DerivePublicKey(content);
                        if (!SnekIdentity.KeyPairMatches(publicKey, content))
                        {
                            throw new SnekException(
                                CertificateErrorIds.Corrupt,
                                ErrorKind.InvalidData,
                                $"'{privatePath}' is not a valid ML-DSA-65 private key: its embedded public-key hash does not match the key.",
                                privatePath);
                        }
                    }
                    else if (!SnekIdentity.PairIsConsistent(publicKey, content))
                    {
                        throw new SnekException(
                            CertificateErrorIds.Mismatch,
                            ErrorKind.InvalidData,
                            $"The private key '{privatePath}' does not belong to the public key '{publicPath}'.",
                            privatePath);
                    }
                }
                else if (ArmoredPrivateKey.LooksArmored(content))
                {
                    ArmoredPrivateKey.Validate(content, privatePath);
                    isProtected = true;
                }
                else
                {
                    throw new SnekException(
                        CertificateErrorIds.InvalidLength,
                        ErrorKind.InvalidData,
                        $"'{privatePath}' is not an ML-DSA-65 private key: it has {content.Length} bytes, expected {SnekIdentity.SecretKeySize} (raw) or an armored encrypted key.",
                        privatePath);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(content);
            }

            try
            {
                KeyFile.CheckPrivateAccess(status, privatePath);
            }
            catch (SnekException ex)
            {
                output.WriteWarning(ex.Message + " snek will refuse to use it.");
            }
        }

        if (publicKey is null)
        {
            throw new SnekException(
                CertificateErrorIds.NotFound,
                ErrorKind.ObjectNotFound,
                $"The public key '{publicPath}' that belongs to the protected key '{privatePath}' does not exist; keep the .pub beside the .priv.",
                publicPath);
        }

        return new SnekCertificate
        {
            Name = Path.GetFileName(basePath),
            Algorithm = SnekIdentity.AlgorithmName,
            Fingerprint = Fingerprint.Of(publicKey),
            ShortFingerprint = Fingerprint.ShortOf(publicKey),
            PublicKeyPath = hasPublic ? publicPath : null,
            PrivateKeyPath = hasPrivate ? privatePath : null,
            Protected = isProtected,
            Created = CreatedTime(hasPublic ? publicPath : privatePath),
        };
    }
}
