using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Jormungandr.Cli;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

/// <summary>
/// The identity files themselves against @noble/post-quantum (independent pure-JS FIPS 204): a key pair
/// made by <c>snek gencert</c> signs for noble and verifies noble's signatures, and noble's raw key files
/// load as a <see cref="SnekIdentity"/>. Uses the scripts in tests/interop/noble.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IdentityNobleInteropTests : IDisposable
{
    private const string ContextHex = "736e656b"; // "snek"
    private static readonly byte[] Context = "snek"u8.ToArray();
    private readonly IdentityTempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [RequiresNobleFact]
    public async Task GencertKeys_SignForNoble_AndVerifyNoble()
    {
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        Assert.Equal(0, await Program.RunAsync(["gencert", _dir.Path], stdout, stderr, CancellationToken.None));
        string pub = _dir.File("snek-cert.pub");
        string priv = _dir.File("snek-cert.priv");
        string messageFile = _dir.File("message");
        byte[] message = Encoding.UTF8.GetBytes("made by snek gencert");
        File.WriteAllBytes(messageFile, message);

        using SnekIdentity identity = SnekIdentity.LoadPrivate(priv);
        File.WriteAllBytes(_dir.File("ours.sig"), identity.Sign(message, Context));
        Assert.Equal("{\"valid\":true}", Node("verify.mjs", "ML-DSA-65", pub, messageFile, ContextHex, _dir.File("ours.sig")).Trim());

        Node("sign.mjs", "ML-DSA-65", priv, messageFile, ContextHex, _dir.File("noble.sig"));
        using SnekIdentity verifier = SnekIdentity.LoadPublic(pub);
        Assert.True(verifier.Verify(message, Context, File.ReadAllBytes(_dir.File("noble.sig"))));
    }

    [RequiresNobleFact]
    public void NobleRawKeyFiles_LoadAsAnIdentity_AndShowTheSameFingerprint()
    {
        string pub = _dir.File("noble.pub");
        string priv = _dir.File("noble.priv");
        Node("keygen.mjs", "ML-DSA-65", pub, priv);
        File.SetUnixFileMode(priv, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        using SnekIdentity identity = SnekIdentity.LoadPrivate(priv);
        Assert.Equal(Fingerprint.Of(File.ReadAllBytes(pub)), identity.Fingerprint);
        byte[] message = Encoding.UTF8.GetBytes("noble's key, snek's signature");
        File.WriteAllBytes(_dir.File("message"), message);
        File.WriteAllBytes(_dir.File("ours.sig"), identity.Sign(message, Context));
        Assert.Equal("{\"valid\":true}", Node("verify.mjs", "ML-DSA-65", pub, _dir.File("message"), ContextHex, _dir.File("ours.sig")).Trim());
    }

    private static string ScriptDirectory([CallerFilePath] string sourceFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "..", "interop", "noble"));

    private static string Node(string script, params string[] arguments)
    {
        string dir = ScriptDirectory();
        ProcessStartInfo start = new("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(dir, script));
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException("could not start node");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"node {script} did not finish within 60 s and was killed");
        }

        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"node {script} exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
