using Jormungandr.Cli;

namespace Jormungandr.Tests;

/// <summary><c>snek service …</c> and the service-related tunnel options through the real command line.</summary>
public sealed class ServiceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-svc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Snek(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await Program.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Install_status_and_uninstall_a_client_unit_in_a_directory()
    {
        (int code, _, string err) = await Snek("service", "install", "laptop", "--role", "client", "--unit-dir", _dir, "--executable", "/bin/true");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(_dir, "jormungandr-client@.service")));
        Assert.Contains("/etc/jormungandr/laptop.toml", err, StringComparison.Ordinal); // warned: no configuration yet

        (code, string json, err) = await Snek("service", "status", "laptop", "--role", "client", "--unit-dir", _dir, "--executable", "/bin/true", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"Unit\":\"jormungandr-client@laptop.service\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Installed\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"Current\":true", json, StringComparison.Ordinal);

        (code, _, err) = await Snek("service", "uninstall", "laptop", "--role", "client", "--unit-dir", _dir);
        Assert.True(code == 0, err);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        (code, _, _) = await Snek("service", "uninstall", "laptop", "--role", "client", "--unit-dir", _dir);
        Assert.Equal(Commands.ExitCodes.NotFound, code);
    }

    [Fact]
    public async Task What_if_writes_nothing_and_bad_values_exit_with_usage()
    {
        (int code, _, _) = await Snek("service", "install", "office", "--unit-dir", _dir, "--executable", "/bin/true", "--what-if");
        Assert.Equal(0, code);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));

        (code, _, string err) = await Snek("service", "install", "../x", "--unit-dir", _dir);
        Assert.Equal(Commands.ExitCodes.Usage, code);
        Assert.Contains("Service name", err, StringComparison.Ordinal);
        (code, _, _) = await Snek("service", "install", "office", "--role", "router", "--unit-dir", _dir);
        Assert.Equal(Commands.ExitCodes.Usage, code);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task The_server_takes_a_state_directory()
    {
        (int code, _, string err) = await Snek("server", "--authorized-keys", "/nonexistent", "--state-dir", " ");
        Assert.Equal(Commands.ExitCodes.Usage, code);
        Assert.Contains("StateDirectory", err, StringComparison.Ordinal);
    }
}
