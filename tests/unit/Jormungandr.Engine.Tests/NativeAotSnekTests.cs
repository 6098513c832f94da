using System.Text.Json;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// The ahead-of-time compiled snek (JORMUNGANDR_AOT_SNEK, published by bash .ci/run): no JIT and no
/// reflection-emitted code, so what the compiler could not see (JSON shapes, table columns, the child
/// processes the demo starts) is checked by running it.
/// </summary>
public sealed class NativeAotSnekTests
{
    private static ProcessResult Snek(params string[] args) =>
        ProcessRunner.Run(Conditions.AotSnek!, args, TimeSpan.FromSeconds(60));

    [AotSnekFact]
    public void Json_and_tables_of_a_new_identity_come_out_as_from_the_jit_build()
    {
        string dir = Path.Combine(Path.GetTempPath(), "snek-aot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            ProcessResult made = Snek("gencert", dir, "--json");
            Assert.True(made.Succeeded, made.StandardError);
            using JsonDocument cert = JsonDocument.Parse(made.StandardOutput);
            string fingerprint = cert.RootElement.GetProperty("Fingerprint").GetString()!;
            Assert.StartsWith("SHA256:", fingerprint, StringComparison.Ordinal);
            Assert.Equal("ML-DSA-65", cert.RootElement.GetProperty("Algorithm").GetString());

            ProcessResult shown = Snek("cert", "show", dir);
            Assert.True(shown.Succeeded, shown.StandardError);
            Assert.Contains("Fingerprint      : " + fingerprint, shown.StandardOutput, StringComparison.Ordinal);

            ProcessResult version = Snek("version", "--json");
            Assert.True(version.Succeeded, version.StandardError);
            using JsonDocument v = JsonDocument.Parse(version.StandardOutput);
            Assert.False(string.IsNullOrEmpty(v.RootElement.GetProperty("Version").GetString()));

            ProcessResult bad = Snek("connect");
            Assert.Equal(2, bad.ExitCode);
            Assert.StartsWith("snek: ", bad.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [AotSnekFact(needsNetworkLab: true)]
    public void The_demo_runs_a_tunnel_of_ahead_of_time_compiled_server_and_client()
    {
        // The demo starts this same snek as server and client in two namespaces, pings and moves 8 MB
        // through the tunnel, checks the hash, and removes everything.
        ProcessResult demo = Snek("demo");
        Assert.True(demo.Succeeded, demo.StandardOutput + demo.StandardError);
        Assert.Contains("SHA-256 match", demo.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Demo passed.", demo.StandardOutput, StringComparison.Ordinal);
    }
}
