namespace Jormungandr.Legacy;

/// <summary>Options of <see cref="LegacyEchoServerCommand"/> (<c>snek legacy server</c>, <c>Start-LegacyEchoServer</c>).</summary>
public sealed record LegacyEchoServerOptions
{
    /// <summary>TCP port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; } = 4600;

    /// <summary>TOML file with <c>[[supported_cipher]]</c> tables; null supports <see cref="CipherProposal.DefaultServer"/>.</summary>
    public string? CipherFile { get; init; }

    /// <summary>RFC 3526 group (5, 14, 15, 16, 17, 18); must match the clients'.</summary>
    public int Group { get; init; } = DiffieHellmanGroups.DefaultGroup;

    /// <summary>Address to bind; null listens on all IPv4 and IPv6 addresses.</summary>
    public string? Bind { get; init; }

    /// <summary>Most clients served at once; further connections are closed with a warning.</summary>
    public int MaxClients { get; init; } = 16;

    /// <summary>Timeouts and size caps.</summary>
    public LegacyEchoLimits Limits { get; init; } = LegacyEchoLimits.Default;
}
