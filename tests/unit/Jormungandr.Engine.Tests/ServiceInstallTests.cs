using Jormungandr.Commands;
using Jormungandr.Lab;
using Jormungandr.Service;

namespace Jormungandr.Tests;

/// <summary>
/// <c>snek service install|uninstall|status</c> on a temporary unit directory with a fake systemd, and
/// the shipped units checked by <c>systemd-analyze verify</c> where it is installed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ServiceInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-units-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Records systemctl calls; "running" as the test says, and never touches the machine.</summary>
    private sealed class FakeSystemd(bool running, int exitCode = 0, string? unitDirectory = null) : IServiceManager
    {
        public List<string> Calls { get; } = [];

        public bool IsRunning => running;

        public bool ReadsUnitsFrom(string directory) => directory == unitDirectory;

        public (int ExitCode, string Output) Systemctl(params string[] arguments)
        {
            Calls.Add(string.Join(' ', arguments));
            return arguments[0] == "show" ? (0, "ActiveState=active\nSubState=running\nMainPID=4242\nStatusText=snk0: listening; 2 clients") : (exitCode, exitCode == 0 ? "" : "Access denied");
        }
    }

    private ServiceOptions Options(string name = "office", ServiceRole role = ServiceRole.Server) =>
        new() { Name = name, Role = role, UnitDirectory = _dir, Executable = "/bin/true" };

    private static async Task<BufferedOutput> Run(ISnekCommand<ServiceOptions> command, ServiceOptions options, bool whatIf = false)
    {
        var output = new BufferedOutput(whatIf ? (_, _) => false : null);
        await command.ExecuteAsync(options, output, CancellationToken.None);
        return output;
    }

    [Fact]
    public async Task Without_systemd_install_writes_only_the_file_and_says_so()
    {
        var systemd = new FakeSystemd(running: false);
        BufferedOutput output = await Run(new InstallServiceCommand(systemd), Options());
        string unit = Path.Combine(_dir, "jormungandr-server@.service");
        string text = File.ReadAllText(unit);
        Assert.Contains("ExecStart=/bin/true server --config /etc/jormungandr/%i.toml --state-dir /var/lib/jormungandr/%i", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(unit));
        Assert.Empty(systemd.Calls);
        Assert.Contains(output.Warnings, w => w.Contains("systemd is not the running init", StringComparison.Ordinal));
        SnekServiceStatus status = Assert.Single(output.ObjectsOf<SnekServiceStatus>());
        Assert.True(status.Installed && status.Current);
        Assert.False(status.Enabled);
        Assert.Equal("jormungandr-server@office.service", status.Unit);
        Assert.Equal([Path.GetFileName(unit)], Directory.GetFiles(_dir).Select(Path.GetFileName)); // no temporary left
    }

    [Fact]
    public async Task With_systemd_reading_the_directory_install_reloads_enables_and_status_asks_systemd()
    {
        var systemd = new FakeSystemd(running: true, unitDirectory: _dir);
        BufferedOutput output = await Run(new InstallServiceCommand(systemd), Options(role: ServiceRole.Client) with { Now = true });
        Assert.Equal(["daemon-reload", "enable --now jormungandr-client@office.service", "show --property=ActiveState,SubState,MainPID,StatusText jormungandr-client@office.service"], systemd.Calls);
        SnekServiceStatus status = Assert.Single(output.ObjectsOf<SnekServiceStatus>());
        Assert.Equal(("active", "running", 4242, "snk0: listening; 2 clients"), (status.ActiveState, status.SubState, status.MainPid, status.StatusText));
        Assert.Contains("ExecStart=/bin/true connect --config /etc/jormungandr/%i.toml\n", File.ReadAllText(Path.Combine(_dir, "jormungandr-client@.service")), StringComparison.Ordinal);

        systemd.Calls.Clear();
        await Run(new UninstallServiceCommand(systemd), Options(role: ServiceRole.Client));
        Assert.Equal(["disable --now jormungandr-client@office.service", "daemon-reload"], systemd.Calls);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Only_the_system_unit_directories_are_systemds()
    {
        Assert.True(Systemd.Instance.ReadsUnitsFrom("/etc/systemd/system"));
        Assert.True(Systemd.Instance.ReadsUnitsFrom("/lib/systemd/system"));
        Assert.False(Systemd.Instance.ReadsUnitsFrom("/tmp"));
        Assert.Equal("/etc/systemd/system", (Options() with { UnitDirectory = "/etc/systemd/system/" }).UnitDirectoryFull);
    }

    [Fact]
    public async Task With_systemd_running_but_not_reading_the_directory_nothing_is_asked_of_it()
    {
        var systemd = new FakeSystemd(running: true);
        BufferedOutput output = await Run(new InstallServiceCommand(systemd), Options());
        Assert.Empty(systemd.Calls);
        Assert.Contains(output.Warnings, w => w.Contains("does not read units from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhatIf_changes_nothing()
    {
        var systemd = new FakeSystemd(running: false);
        BufferedOutput output = await Run(new InstallServiceCommand(systemd), Options(), whatIf: true);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        Assert.False(Assert.Single(output.ObjectsOf<SnekServiceStatus>()).Installed);
    }

    [Fact]
    public async Task Installing_again_replaces_an_edited_file_and_leaves_a_current_one_alone()
    {
        var systemd = new FakeSystemd(running: false);
        await Run(new InstallServiceCommand(systemd), Options());
        string unit = Path.Combine(_dir, "jormungandr-server@.service");
        File.AppendAllText(unit, "# edited\n");
        SnekServiceStatus before = Assert.Single((await Run(new GetServiceCommand(systemd), Options())).ObjectsOf<SnekServiceStatus>());
        Assert.False(before.Current);
        await Run(new InstallServiceCommand(systemd), Options());
        Assert.DoesNotContain("# edited", File.ReadAllText(unit), StringComparison.Ordinal);
        DateTime written = File.GetLastWriteTimeUtc(unit);
        BufferedOutput again = await Run(new InstallServiceCommand(systemd), Options());
        Assert.Contains(again.Verbose, v => v.Contains("already current", StringComparison.Ordinal));
        Assert.Equal(written, File.GetLastWriteTimeUtc(unit));
    }

    [Fact]
    public async Task Uninstall_removes_the_link_and_keeps_the_template_while_another_instance_uses_it()
    {
        var systemd = new FakeSystemd(running: false);
        await Run(new InstallServiceCommand(systemd), Options("office"));
        string template = Path.Combine(_dir, "jormungandr-server@.service");
        string wants = Directory.CreateDirectory(Path.Combine(_dir, "multi-user.target.wants")).FullName;
        File.CreateSymbolicLink(Path.Combine(wants, "jormungandr-server@office.service"), template);
        File.CreateSymbolicLink(Path.Combine(wants, "jormungandr-server@lab.service"), template);
        Assert.True(Assert.Single((await Run(new GetServiceCommand(systemd), Options("office"))).ObjectsOf<SnekServiceStatus>()).Enabled);

        await Run(new UninstallServiceCommand(systemd), Options("office"));
        Assert.False(File.Exists(Path.Combine(wants, "jormungandr-server@office.service")));
        Assert.True(File.Exists(template)); // lab still uses it

        await Run(new UninstallServiceCommand(systemd), Options("lab"));
        Assert.False(File.Exists(template));
        Assert.Empty(Directory.GetFileSystemEntries(wants));
        var e = await Assert.ThrowsAsync<SnekException>(() => Run(new UninstallServiceCommand(systemd), Options("lab")));
        Assert.Equal("ServiceNotInstalled", e.ErrorId);
        Assert.Empty(systemd.Calls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-rf")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("../etc")]
    [InlineData("x@y")]
    public async Task A_bad_name_is_refused_before_anything_is_written(string name)
    {
        var e = await Assert.ThrowsAsync<SnekException>(() => Run(new InstallServiceCommand(new FakeSystemd(false)), Options(name)));
        Assert.Equal("ServiceNameInvalid", e.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("snek")]
    [InlineData("/opt/my snek")]
    [InlineData("/opt/snek;rm")]
    [InlineData("/opt/$HOME/snek")]
    [InlineData("/opt/%i/snek")]
    public async Task An_executable_systemd_would_split_or_expand_is_refused(string path)
    {
        var e = await Assert.ThrowsAsync<SnekException>(() => Run(new InstallServiceCommand(new FakeSystemd(false)), Options() with { Executable = path }));
        Assert.Equal("ServiceExecutableInvalid", e.ErrorId);
    }

    [Fact]
    public async Task A_missing_unit_directory_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<SnekException>(() => Run(new InstallServiceCommand(new FakeSystemd(false)), Options() with { UnitDirectory = Path.Combine(_dir, "none") }));
        Assert.Equal("UnitDirectoryNotFound", e.ErrorId);
    }

    [Fact]
    public async Task A_failing_systemctl_is_a_SnekException_with_its_message()
    {
        var e = Assert.Throws<SnekException>(() => InstallServiceCommand.Systemctl(new BufferedOutput(), new FakeSystemd(true, exitCode: 4), "enable", "x.service"));
        Assert.Equal("SystemctlFailed", e.ErrorId);
        Assert.Contains("Access denied", e.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public void The_units_keep_the_hardening_and_leave_MemoryDenyWriteExecute_off()
    {
        foreach (ServiceRole role in Enum.GetValues<ServiceRole>())
        {
            string text = ServiceUnit.Render(role, "/usr/bin/snek");
            foreach (string line in (string[])["Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE", "DeviceAllow=/dev/net/tun rw", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
                "LockPersonality=yes", "RuntimeDirectory=jormungandr", "RuntimeDirectoryMode=0700", "SuccessExitStatus=130"])
            {
                Assert.Contains("\n" + line + "\n", text, StringComparison.Ordinal);
            }

            // The .NET JIT needs pages that become executable; the filter would stop the runtime.
            Assert.DoesNotContain("\nMemoryDenyWriteExecute=", text, StringComparison.Ordinal);
            Assert.Contains("ExecStart=/usr/bin/snek ", text, StringComparison.Ordinal);
        }

        Assert.Contains("\nExecReload=/bin/kill -HUP $MAINPID\n", ServiceUnit.Render(ServiceRole.Server, "/usr/bin/snek"), StringComparison.Ordinal);
        Assert.Contains("\nStateDirectory=jormungandr\n", ServiceUnit.Render(ServiceRole.Server, "/usr/bin/snek"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_units_are_the_shipped_files()
    {
        foreach (ServiceRole role in Enum.GetValues<ServiceRole>())
        {
            string shipped = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "packaging", "systemd", ServiceUnit.TemplateName(role)));
            Assert.Equal(shipped, ServiceUnit.Render(role, ServiceUnit.ShippedExecutable));
        }
    }

    [RequiresProgramFact("systemd-analyze")]
    public async Task The_installed_units_pass_systemd_analyze_verify()
    {
        // CI installs Debian's systemd package for this; systemd need not be the running init.
        foreach (ServiceRole role in Enum.GetValues<ServiceRole>())
        {
            await Run(new InstallServiceCommand(new FakeSystemd(false)), Options("verify", role));
            string instance = Path.Combine(_dir, ServiceUnit.InstanceName(role, "verify"));
            ProcessResult r = ProcessRunner.Run("systemd-analyze", ["verify", "--man=no", instance], TimeSpan.FromSeconds(60));
            Assert.True(r.Succeeded && r.StandardError.Trim().Length == 0 && r.StandardOutput.Trim().Length == 0,
                $"systemd-analyze verify {instance}: exit {r.ExitCode}\n{r.StandardOutput}{r.StandardError}");
        }
    }
}
