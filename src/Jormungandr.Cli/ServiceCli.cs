using System.CommandLine;
using Jormungandr.Service;

namespace Jormungandr.Cli;

/// <summary><c>snek service install|uninstall|status NAME [--role server|client]</c>: the systemd units of a tunnel.</summary>
internal static class ServiceCli
{
    /// <summary>The <c>service</c> command with its three subcommands.</summary>
    internal static Command Create() => new("service", "Install, remove or inspect a tunnel's systemd unit (reads /etc/jormungandr/NAME.toml).")
    {
        Create("install", "Write the unit file and, when systemd runs, enable the unit (--now also starts it).", install: true, (parse, options, ct) => CliRunner.RunAsync(parse, new InstallServiceCommand(), options, ct)),
        Create("uninstall", "Disable and stop the unit (when systemd runs) and remove its files.", install: false, (parse, options, ct) => CliRunner.RunAsync(parse, new UninstallServiceCommand(), options, ct)),
        Create("status", "Show whether the unit is installed, current, enabled and running.", install: false, (parse, options, ct) => CliRunner.RunAsync(parse, new GetServiceCommand(), options, ct)),
    };

    private static Command Create(string verb, string description, bool install, Func<ParseResult, ServiceOptions, CancellationToken, Task<int>> run)
    {
        Argument<string> name = new("name") { Description = "The tunnel's name: unit jormungandr-<role>@NAME, configuration /etc/jormungandr/NAME.toml." };
        Option<ServiceRole> role = new("--role") { Description = "server or client.", DefaultValueFactory = _ => ServiceRole.Server };
        Option<string> unitDir = new("--unit-dir") { Description = $"Unit directory (default {ServiceUnit.DefaultUnitDirectory}).", DefaultValueFactory = _ => ServiceUnit.DefaultUnitDirectory };
        Option<string?> executable = new("--executable") { Description = $"The snek for ExecStart= (default: this snek, else {ServiceUnit.ShippedExecutable})." };
        Option<bool> now = new("--now") { Description = "Also start the unit." };
        Command command = new(verb, description) { name, role, unitDir };
        if (install)
        {
            command.Add(executable);
            command.Add(now);
        }
        else if (verb == "status")
        {
            command.Add(executable);
        }

        command.SetAction((parse, ct) => run(parse, new ServiceOptions
        {
            Name = parse.GetRequiredValue(name),
            Role = parse.GetValue(role),
            UnitDirectory = parse.GetValue(unitDir) ?? ServiceUnit.DefaultUnitDirectory,
            Executable = parse.GetValue(executable),
            Now = parse.GetValue(now),
        }, ct));
        return command;
    }
}
