using Jormungandr.Cli;

namespace Jormungandr.Tests;

public class TunnelCliTests
{
    [Fact]
    public void Original_listen_flags_become_snek_server()
    {
        Assert.Equal(["server", "--authorized-keys", "/keys", "-kp", "4443", "-dp", "20000"],
            OriginalFlags.Rewrite(["-l", "-x", "/keys", "-kp", "4443", "-dp", "20000"]));
        Assert.Equal(["server", "--authorized-keys", "/keys"], OriginalFlags.Rewrite(["-x", "/keys", "-l"]));
    }

    [Fact]
    public void Original_connect_flags_become_snek_connect()
    {
        Assert.Equal(["connect", "198.18.0.1", "--cert", "/me.priv", "-kp", "443"],
            OriginalFlags.Rewrite(["-c", "198.18.0.1", "-x", "/me.priv", "-kp", "443"]));
    }

    [Fact]
    public void Modern_syntax_is_left_alone() =>
        Assert.Equal(["show", "--json"], OriginalFlags.Rewrite(["show", "--json"]));

    [Fact]
    public async Task Tunnel_subcommands_parse_and_bad_values_exit_with_usage()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await Program.RunAsync(["server", "--authorized-keys", "/nonexistent", "--pool", "198.19.0.0/33"], stdout, stderr, CancellationToken.None);
        Assert.Equal(Commands.ExitCodes.Usage, code);
        Assert.Contains("Pool", stderr.ToString(), StringComparison.Ordinal);

        code = await Program.RunAsync(["show", "--status-dir", Path.Combine(Path.GetTempPath(), "snek-none-" + Guid.NewGuid().ToString("N"))], stdout, stderr, CancellationToken.None);
        Assert.Equal(0, code);
    }
}
