using System.Diagnostics;
using System.Text.RegularExpressions;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

/// <summary>A fact that needs /usr/bin/python3 (3.11+) with pycryptodome; skipped saying so otherwise.</summary>
public sealed class RequiresPycryptodomeFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public RequiresPycryptodomeFactAttribute()
    {
        Skip = PythonPeer.WhyUnavailable.Value;
    }
}

/// <summary>The same, for theories.</summary>
public sealed class RequiresPycryptodomeTheoryAttribute : TheoryAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public RequiresPycryptodomeTheoryAttribute()
    {
        Skip = PythonPeer.WhyUnavailable.Value;
    }
}

/// <summary>One run of a script from tests/interop/legacy-python, killed (by its own PID) on dispose.</summary>
internal sealed class PythonPeer : IDisposable
{
    public const string Python = "/usr/bin/python3";

    public static readonly Lazy<string?> WhyUnavailable = new(() =>
    {
        if (!File.Exists(Python))
        {
            return $"needs {Python} with pycryptodome (apt-get install python3-pycryptodome)";
        }

        using PythonPeer probe = new(["-c", "import sys, tomllib\ntry:\n import Crypto.Cipher\nexcept ImportError:\n import Cryptodome.Cipher"]);
        return probe.WaitForExit(TimeSpan.FromSeconds(20)) == 0
            ? null
            : $"{Python} lacks pycryptodome or tomllib (apt-get install python3-pycryptodome; Python 3.11+): {string.Join(" ", probe.Lines)}";
    });

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    public PythonPeer(IEnumerable<string> arguments)
    {
        ProcessStartInfo info = new(Python)
        {
            WorkingDirectory = LegacyPaths.PythonInterop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public async Task<string> WaitForLineAsync(string pattern)
    {
        Regex regex = new(pattern);
        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (DateTime.UtcNow < end)
        {
            string? line = Lines.FirstOrDefault(l => regex.IsMatch(l));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"Python never printed /{pattern}/; output: {string.Join(" | ", Lines)}");
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new Xunit.Sdk.XunitException($"Python did not exit in time; output: {string.Join(" | ", Lines)}");
        }

        _process.WaitForExit(); // flush the async readers
        return _process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                _lines.Add(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}

/// <summary>Our client and server against the Python peers written to the assignment, both directions.</summary>
public class PythonInteropTests
{
    [RequiresPycryptodomeTheory]
    [InlineData("AES", 256, 14)]
    [InlineData("Blowfish", 224, 14)]
    [InlineData("DES3", 168, 14)]
    [InlineData("DES3", 112, 14)]
    [InlineData("DES", 56, 14)]
    [InlineData("AES", 256, 18)]
    public async Task Our_client_talks_to_the_python_server(string cipher, int bits, int group)
    {
        using TempCipherFiles files = new();
        using PythonPeer server = new(["legacy_vpn_server.py", "--port", "0", "--group", group.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ciphers", Path.Combine(LegacyPaths.Examples, "server_cipher.toml"), "--clients", "1"]);
        string listening = await server.WaitForLineAsync(@"^Listening on 127\.0\.0\.1:\d+$");
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        BufferedOutput client = await Clients.RunAsync(port, group, ["hello", "héllo wörld 🐍"], files.Write(cipher, bits));

        Assert.Equal(["Server says: olleh", "Server says: 🐍 dlröw olléh"], client.ObjectsOf<LegacyEchoReply>().Select(r => r.Reply));
        Assert.All(client.ObjectsOf<LegacyEchoReply>(), r => Assert.Equal((cipher, bits), (r.Cipher, r.KeySize)));
        Assert.Equal(0, server.WaitForExit(TestLimits.Bound));
        Assert.Contains($"We are going to use {cipher}{bits}", server.Lines);
        Assert.Contains("Received: hello", server.Lines);
        Assert.Contains("Received: héllo wörld 🐍", server.Lines);
    }

    [RequiresPycryptodomeTheory]
    [InlineData("AES", 192, 14)]
    [InlineData("Blowfish", 112, 14)]
    [InlineData("DES3", 192, 14)]
    [InlineData("DES3", 128, 14)]
    [InlineData("DES", 56, 14)]
    [InlineData("AES", 256, 18)]
    public async Task Python_client_talks_to_our_server(string cipher, int bits, int group)
    {
        using TempCipherFiles files = new();
        await using RunningServer server = RunningServer.Start(group: group);
        using PythonPeer client = new(["legacy_vpn_client.py", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--group", group.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ciphers", files.Write(cipher, bits),
            "--message", "hello", "--message", "héllo wörld 🐍"]);

        Assert.Equal(0, client.WaitForExit(TestLimits.Bound));
        Assert.Contains($"We are going to use {cipher}{bits}", client.Lines);
        Assert.Contains("Server says: olleh", client.Lines);
        Assert.Contains("Server says: 🐍 dlröw olléh", client.Lines);

        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (server.Output.ObjectsOf<LegacyEchoMessage>().Count < 2 && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        Assert.Equal(["hello", "héllo wörld 🐍"], server.Output.ObjectsOf<LegacyEchoMessage>().Select(m => m.Text));
        Assert.All(server.Output.ObjectsOf<LegacyEchoMessage>(), m => Assert.Equal((cipher, bits), (m.Cipher, m.KeySize)));
        Assert.Empty(server.Output.Errors);
    }

    [RequiresPycryptodomeFact]
    public async Task Python_client_hears_could_not_agree()
    {
        using TempCipherFiles files = new();
        await using RunningServer server = RunningServer.Start();
        using PythonPeer client = new(["legacy_vpn_client.py", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--group", "14", "--ciphers", files.Write("Blowfish", 448), "--message", "hello"]);
        Assert.Equal(3, client.WaitForExit(TestLimits.Bound));
        Assert.Contains("Could not agree on a cipher", client.Lines);
        await server.WaitForErrorAsync("LegacyNoCommonCipher");
        await server.AssertStillServesAsync();
    }
}
