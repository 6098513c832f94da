using Jormungandr.Tunnel;

namespace Jormungandr.Provisioning;

/// <summary>Options of <see cref="AddClientCommand"/> (<c>snek client add</c>, <c>New-SnekClient</c>).</summary>
public sealed record AddClientOptions
{
    /// <summary>The client's name (file-name safe). Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>The server's authorized-keys directory. Required.</summary>
    public string AuthorizedKeysPath { get; init; } = "";

    /// <summary>An existing client public key to authorize; null creates a new identity whose private key goes into the profile.</summary>
    public string? PublicKeyPath { get; init; }

    /// <summary>Static tunnel addresses: one IPv4 and optionally one IPv6 address; empty lets the pool assign them.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Networks behind the client (CIDR), recorded beside its key.</summary>
    public IReadOnlyList<string> Networks { get; init; } = [];

    /// <summary>When set, the private key in the profile is armored under this passphrase.</summary>
    public string? Passphrase { get; init; }

    /// <summary>The addresses or host names of the server, tried in turn by the client (at most 17). Required.</summary>
    public IReadOnlyList<string> ServerAddresses { get; init; } = [];

    /// <summary>The server's public key, pinned in the profile; default the <c>.pub</c> beside <see cref="TunnelDefaults.ServerKeyPath"/>.</summary>
    public string ServerKeyPath { get; init; } = Path.ChangeExtension(TunnelDefaults.ServerKeyPath, ".pub");

    /// <summary>The server's key port.</summary>
    public int KeyPort { get; init; } = TunnelDefaults.KeyPort;

    /// <summary>The server's data port.</summary>
    public int DataPort { get; init; } = TunnelDefaults.DataPort;

    /// <summary>Where the profile is written (mode 0600). Required.</summary>
    public string ProfilePath { get; init; } = "";

    /// <summary>Replaces an existing client of that name and an existing profile file.</summary>
    public bool Force { get; init; }

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        ClientDirectory.CheckName(Name);
        OptionChecks.RequirePath(AuthorizedKeysPath, "AuthorizedKeysPath");
        OptionChecks.RequirePath(ProfilePath, "ProfilePath");
        OptionChecks.RequirePath(ServerKeyPath, "ServerKeyPath");
        if (PublicKeyPath is not null)
        {
            OptionChecks.RequirePath(PublicKeyPath, "PublicKeyPath");
            if (Passphrase is not null)
            {
                throw OptionChecks.Invalid("Passphrase", "A passphrase protects a private key this command creates; with an existing public key there is none.");
            }
        }

        ArgumentNullException.ThrowIfNull(ServerAddresses);
        if (ServerAddresses.Count is 0 or > 17)
        {
            throw OptionChecks.Invalid("ServerAddresses", "Give 1 to 17 server addresses.");
        }

        foreach (string server in ServerAddresses)
        {
            OptionChecks.Host(server);
        }
        OptionChecks.Port(KeyPort, "KeyPort");
        OptionChecks.Port(DataPort, "DataPort");
        ArgumentNullException.ThrowIfNull(Addresses);
        ArgumentNullException.ThrowIfNull(Networks);
        ClientDirectory.CheckAddresses(Addresses);
        ClientDirectory.CheckNetworks(Networks);
    }
}
