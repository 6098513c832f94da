using System.Security.Cryptography;
using Jormungandr.Crypto;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

/// <summary>A fresh directory under the temp folder, removed (with everything in it) on dispose.</summary>
internal sealed class IdentityTempDirectory : IDisposable
{
    public IdentityTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "snek-id-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Key pairs and key files for identity tests, made the way other tools (liboqs, noble) make them.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class IdentityTestKeys
{
    /// <summary>A deterministic ML-DSA-65 key pair from a one-byte seed pattern.</summary>
    public static (byte[] PublicKey, byte[] SecretKey) Pair(byte seedByte)
    {
        byte[] seed = new byte[32];
        seed.AsSpan().Fill(seedByte);
        byte[] pk = new byte[SnekIdentity.PublicKeySize];
        byte[] sk = new byte[SnekIdentity.SecretKeySize];
        MlDsaManaged.GenerateKey(MlDsaParameterSet.MlDsa65, seed, pk, sk);
        return (pk, sk);
    }

    /// <summary>Writes raw <c>name.pub</c> and <c>name.priv</c> (0600) as another tool would; returns the .priv path.</summary>
    public static string WriteRawPair(string directory, string name, byte[] pk, byte[] sk, UnixFileMode privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string pub = Path.Combine(directory, name + ".pub");
        string priv = Path.Combine(directory, name + ".priv");
        System.IO.File.WriteAllBytes(pub, pk);
        System.IO.File.WriteAllBytes(priv, sk);
        System.IO.File.SetUnixFileMode(priv, privateMode);
        return priv;
    }

    /// <summary>Writes a private key file with content and mode 0600.</summary>
    public static void WritePrivate(string path, byte[] content)
    {
        System.IO.File.WriteAllBytes(path, content);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// An armored file whose header says <paramref name="iterations"/> and whose ciphertext is random:
    /// structurally valid, so only the decryption (or the iteration floor) can reject it. No PBKDF2 run.
    /// </summary>
    public static string ArmoredWithoutKey(int iterations, byte version = 1)
    {
        byte[] blob = RandomNumberGenerator.GetBytes(1 + 16 + 4 + 12 + SnekIdentity.SecretKeySize + 16);
        blob[0] = version;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(17, 4), iterations);
        return Armor(blob);
    }

    /// <summary>Decodes an armored file's body.</summary>
    public static byte[] Unarmor(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Convert.FromBase64String(string.Concat(lines[1..^1]));
    }

    /// <summary>Encodes a body the way the format specifies (64 columns).</summary>
    public static string Armor(byte[] blob)
    {
        string b64 = Convert.ToBase64String(blob);
        System.Text.StringBuilder sb = new("-----BEGIN SNEK ENCRYPTED PRIVATE KEY-----\n");
        for (int i = 0; i < b64.Length; i += 64)
        {
            sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
        }

        return sb.Append("-----END SNEK ENCRYPTED PRIVATE KEY-----\n").ToString();
    }
}
