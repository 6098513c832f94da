using Jormungandr.Commands;
using Jormungandr.Identity;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// The content of a private or public key file as the loader reads it. Armor that is refused is a
/// <see cref="SnekException"/> naming the file as corrupt; armor that is accepted asks for an iteration
/// count within the documented bounds, reported the same way by the progress reader. A raw secret key of
/// the right size yields a public key without exceptions; a public key of the right size yields an identity
/// and a fingerprint. The passphrase stretching itself (600 000+ PBKDF2 rounds) is not run here.
/// </summary>
internal static class KeyFileTarget
{
    private const string Path = "fuzz.key";

    public static void Run(ReadOnlySpan<byte> content)
    {
        if (ArmoredPrivateKey.LooksArmored(content))
        {
            int? iterations = ArmoredPrivateKey.IterationsOf(content);
            try
            {
                ArmoredPrivateKey.Validate(content, Path);
            }
            catch (SnekException ex)
            {
                InvariantViolation.Check(ex.ErrorId == CertificateErrorIds.Corrupt && ex.Message.Contains(Path, StringComparison.Ordinal), $"armor refused with '{ex.ErrorId}' or without naming the file");
                return;
            }

            InvariantViolation.Check(iterations is >= ArmoredPrivateKey.MinIterations and <= ArmoredPrivateKey.MaxIterations, "accepted armor whose iteration count is out of bounds");
            return;
        }

        if (content.Length == SnekIdentity.SecretKeySize)
        {
            byte[] pk = SnekIdentity.DerivePublicKey(content);
            InvariantViolation.Check(pk.Length == SnekIdentity.PublicKeySize, "a derived public key has the wrong size");
            SnekIdentity.KeyPairMatches(pk, content);
            return;
        }

        if (content.Length == SnekIdentity.PublicKeySize)
        {
            using SnekIdentity identity = SnekIdentity.FromPublicKey(content);
            InvariantViolation.Check(identity.Fingerprint.StartsWith("SHA256:", StringComparison.Ordinal), "a fingerprint without its algorithm");
        }
    }
}
