using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>
/// A fact that needs node on PATH and @noble/post-quantum installed in tests/interop/noble
/// (CI: <c>npm ci --prefix tests/interop/noble</c>); otherwise skipped with the reason.
/// </summary>
public sealed class RequiresNobleFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public RequiresNobleFactAttribute()
    {
        Skip = Conditions.WhyNoProgram("node") ?? NobleInteropTests.WhyNoNoble();
    }
}

/// <summary>
/// ML-DSA interoperability with @noble/post-quantum, an independent pure-JS FIPS 204 implementation, through
/// raw key and signature files (the snek-cert.pub / snek-cert.priv format): each side verifies the other's
/// signatures, and keys made by either side sign for the other.
/// </summary>
public sealed class NobleInteropTests : IDisposable
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);
    private static readonly byte[] Context = "jormungandr interop"u8.ToArray();
    private static readonly string ContextHex = Convert.ToHexString(Context);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("jormungandr-noble-");

    private static string ScriptDirectory => Path.Combine(RepositoryRoot(), "tests", "interop", "noble");

    // TestPaths needs the binary or the working directory inside the tree; with --artifacts-path elsewhere,
    // fall back to where this source file was compiled from.
    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        try
        {
            return TestPaths.RepositoryRoot;
        }
        catch (InvalidOperationException)
        {
            return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "..", ".."));
        }
    }

    /// <summary>Null when noble is installed; otherwise how to install it.</summary>
    internal static string? WhyNoNoble()
    {
        try
        {
            return Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "@noble", "post-quantum"))
                ? null
                : "@noble/post-quantum is not installed: run 'npm ci --prefix tests/interop/noble'";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [RequiresNobleFact]
    public void Keys_we_generate_work_with_noble_in_both_directions()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.Instance.GenerateKey(p, pk, sk);
        Assert.Equal(1952, pk.Length);
        Assert.Equal(4032, sk.Length);
        string pkFile = Write("snek-cert.pub", pk);
        string skFile = Write("snek-cert.priv", sk);
        byte[] message = Encoding.UTF8.GetBytes("signed by noble with our secret key");
        string msgFile = Write("message", message);

        // noble signs with our secret key; we verify.
        Node("sign.mjs", p.Name, skFile, msgFile, ContextHex, InDir("noble.sig"));
        byte[] nobleSignature = File.ReadAllBytes(InDir("noble.sig"));
        Assert.True(MlDsaManaged.Instance.Verify(p, pk, message, Context, nobleSignature), "our Verify rejected noble's signature made with our key");
        Assert.False(MlDsaManaged.Instance.Verify(p, pk, message, [], nobleSignature), "signature must be bound to the context");

        // We sign (hedged); noble verifies, and rejects a tampered copy.
        byte[] ours = new byte[p.SignatureSize];
        MlDsaManaged.Instance.Sign(p, sk, message, Context, ours);
        Write("ours.sig", ours);
        Assert.True(NobleVerifies(p, pkFile, msgFile, InDir("ours.sig")), "noble rejected our signature");
        ours[100] ^= 0x01;
        Write("tampered.sig", ours);
        Assert.False(NobleVerifies(p, pkFile, msgFile, InDir("tampered.sig")), "noble accepted a tampered signature");

        // Deterministic signing is a function of (sk, M', rnd = 0): both implementations must agree byte for byte.
        byte[] deterministic = new byte[p.SignatureSize];
        MlDsaManaged.Instance.Sign(p, sk, message, Context, deterministic, deterministic: true);
        Node("sign.mjs", p.Name, skFile, msgFile, ContextHex, InDir("noble-det.sig"), "deterministic");
        Assert.Equal(Convert.ToHexString(deterministic), Convert.ToHexString(File.ReadAllBytes(InDir("noble-det.sig"))));
    }

    [RequiresNobleFact]
    public void Raw_keys_made_by_noble_load_and_work_here()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        string pkFile = InDir("noble.pub");
        string skFile = InDir("noble.priv");
        Node("keygen.mjs", p.Name, pkFile, skFile);
        byte[] pk = File.ReadAllBytes(pkFile);
        byte[] sk = File.ReadAllBytes(skFile);
        Assert.Equal(p.PublicKeySize, pk.Length);
        Assert.Equal(p.SecretKeySize, sk.Length);
        Assert.True(MlDsaManaged.KeyPairMatches(p, pk, sk));
        byte[] derived = new byte[p.PublicKeySize];
        MlDsaManaged.DerivePublicKey(p, sk, derived);
        Assert.Equal(pk, derived);

        byte[] message = Encoding.UTF8.GetBytes("signed here with noble's secret key");
        string msgFile = Write("message", message);

        // We sign with noble's secret key; noble verifies.
        byte[] ours = new byte[p.SignatureSize];
        MlDsaManaged.Instance.Sign(p, sk, message, Context, ours);
        Write("ours.sig", ours);
        Assert.True(NobleVerifies(p, pkFile, msgFile, InDir("ours.sig")), "noble rejected our signature made with its key");

        // noble signs; we verify with noble's public key.
        Node("sign.mjs", p.Name, skFile, msgFile, ContextHex, InDir("noble.sig"));
        byte[] nobleSignature = File.ReadAllBytes(InDir("noble.sig"));
        Assert.True(MlDsaManaged.Instance.Verify(p, pk, message, Context, nobleSignature));
        message[0] ^= 0x80;
        Assert.False(MlDsaManaged.Instance.Verify(p, pk, message, Context, nobleSignature));
    }

    [RequiresNobleFact]
    public void Seeded_key_generation_agrees_for_every_parameter_set()
    {
        foreach (MlDsaParameterSet p in MlDsaParameterSet.All)
        {
            byte[] seed = new byte[MlDsaParameterSet.SeedSize];
            Random.Shared.NextBytes(seed);
            byte[] pk = new byte[p.PublicKeySize];
            byte[] sk = new byte[p.SecretKeySize];
            MlDsaManaged.GenerateKey(p, seed, pk, sk);
            Node("keygen.mjs", p.Name, InDir("seeded.pub.hex"), InDir("seeded.priv.hex"), Convert.ToHexString(seed));
            Assert.Equal(Convert.ToHexString(pk), File.ReadAllText(InDir("seeded.pub.hex")).Trim().ToUpperInvariant());
            Assert.Equal(Convert.ToHexString(sk), File.ReadAllText(InDir("seeded.priv.hex")).Trim().ToUpperInvariant());
        }
    }

    private static bool NobleVerifies(MlDsaParameterSet p, string pkFile, string msgFile, string sigFile)
    {
        string output = Node("verify.mjs", p.Name, pkFile, msgFile, ContextHex, sigFile);
        return output.Trim() switch
        {
            "{\"valid\":true}" => true,
            "{\"valid\":false}" => false,
            _ => throw new Xunit.Sdk.XunitException($"unexpected output from verify.mjs: {output}"),
        };
    }

    // Runs one script with a hard timeout; a non-zero exit, a hang or a missing node fails the test.
    private static string Node(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(ScriptDirectory, script));
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException("could not start node");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(NodeTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"node {script} did not finish within {NodeTimeout.TotalSeconds} s and was killed");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"node {script} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    private string InDir(string name) => Path.Combine(_dir.FullName, name);

    private string Write(string name, byte[] bytes)
    {
        string path = InDir(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
