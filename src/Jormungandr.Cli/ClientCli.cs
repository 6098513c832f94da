using System.CommandLine;
using Jormungandr.Identity;
using Jormungandr.Provisioning;
using Jormungandr.Tunnel;

namespace Jormungandr.Cli;

/// <summary><c>snek client add|remove|list</c>: one-step provisioning and revocation of a server's clients.</summary>
internal static class ClientCli
{
    private static Option<string> AuthorizedKeys() =>
        new("--authorized-keys", "-a") { Description = "The server's directory of authorized client keys.", Required = true };

    /// <summary>The <c>client</c> command and its subcommands.</summary>
    public static Command Create() => new("client", "Provision, list and revoke the clients of a server.") { CreateAdd(), CreateRemove(), CreateList() };

    private static Command CreateAdd()
    {
        Argument<string> name = new("name") { Description = "The client's name (letters, digits, '.', '_', '-')." };
        Option<string> authorized = AuthorizedKeys();
        Option<string?> pub = new("--pub") { Description = "Authorize this existing public key instead of creating an identity (the profile then names NAME.priv beside it)." };
        Option<string[]> address = new("--address") { Description = "Static tunnel address (one IPv4, optionally one IPv6); default from the pool.", AllowMultipleArgumentsPerToken = false };
        Option<string[]> network = new("--network") { Description = "A network behind the client (CIDR), recorded with its key; repeatable.", AllowMultipleArgumentsPerToken = false };
        Option<string?> passphraseFile = new("--passphrase-file") { Description = "Armor the profile's private key under the passphrase on this file's first line." };
        Option<string[]> server = new("--server-address") { Description = "The server's address or host name the client connects to; repeat for further addresses tried in turn.", Required = true, AllowMultipleArgumentsPerToken = true };
        Option<string> serverKey = new("--server-key") { Description = "The server's public key to pin (default the .pub beside the default server key).", DefaultValueFactory = _ => new AddClientOptions().ServerKeyPath };
        Option<int> keyPort = new("--key-port", "-kp") { Description = "The server's key port.", DefaultValueFactory = _ => TunnelDefaults.KeyPort };
        Option<int> dataPort = new("--data-port", "-dp") { Description = "The server's data port.", DefaultValueFactory = _ => TunnelDefaults.DataPort };
        Option<string> output = new("--output", "-o") { Description = "Where to write the client profile (mode 0600).", Required = true };
        Option<bool> force = new("--force", "-f") { Description = "Replace an existing client of that name and an existing profile." };
        Command command = new("add", "Create (or take) a client identity, authorize it and write its one-file profile.")
        {
            name, authorized, pub, address, network, passphraseFile, server, serverKey, keyPort, dataPort, output, force,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new AddClientCommand(), new AddClientOptions
        {
            Name = parse.GetRequiredValue(name),
            AuthorizedKeysPath = parse.GetRequiredValue(authorized),
            PublicKeyPath = parse.GetValue(pub),
            Addresses = parse.GetValue(address) ?? [],
            Networks = parse.GetValue(network) ?? [],
            Passphrase = parse.GetValue(passphraseFile) is string file ? PassphraseFile.Read(file) : null,
            ServerAddresses = parse.GetRequiredValue(server),
            ServerKeyPath = parse.GetValue(serverKey) ?? new AddClientOptions().ServerKeyPath,
            KeyPort = parse.GetValue(keyPort),
            DataPort = parse.GetValue(dataPort),
            ProfilePath = parse.GetRequiredValue(output),
            Force = parse.GetValue(force),
        }, ct));
        return command;
    }

    private static Command CreateRemove()
    {
        Argument<string> name = new("name") { Description = "The client to revoke." };
        Option<string> authorized = AuthorizedKeys();
        Command command = new("remove", "Revoke a client: remove its key; a running server drops its session within seconds.") { name, authorized };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new RemoveClientCommand(), new RemoveClientOptions
        {
            Name = parse.GetRequiredValue(name),
            AuthorizedKeysPath = parse.GetRequiredValue(authorized),
        }, ct));
        return command;
    }

    private static Command CreateList()
    {
        Argument<string?> name = new("name") { Description = "Only this client.", Arity = ArgumentArity.ZeroOrOne };
        Option<string> authorized = AuthorizedKeys();
        Command command = new("list", "List the authorized clients with their fingerprints, static addresses and networks.") { name, authorized };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new GetClientCommand(), new GetClientOptions
        {
            Name = parse.GetValue(name),
            AuthorizedKeysPath = parse.GetRequiredValue(authorized),
        }, ct));
        return command;
    }
}
