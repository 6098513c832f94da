namespace Jormungandr.Legacy;

/// <summary>Options of <see cref="LegacyEchoClientCommand"/> (<c>snek legacy client</c>, <c>Invoke-LegacyEcho</c>).</summary>
public sealed record LegacyEchoClientOptions
{
    /// <summary>Server host name or address.</summary>
    public string ComputerName { get; init; } = "localhost";

    /// <summary>Server TCP port.</summary>
    public int Port { get; init; } = 4600;

    /// <summary>TOML file with <c>[[supported_cipher]]</c> tables; null proposes <see cref="CipherProposal.DefaultClient"/>.</summary>
    public string? CipherFile { get; init; }

    /// <summary>Messages sent first, in order. A message <c>\quit</c> ends the session (as in the original).</summary>
    public IReadOnlyList<string> Messages { get; init; } = [];

    /// <summary>
    /// Further messages, pulled one at a time after each reply (an interactive prompt, stdin, a pipeline).
    /// Sent after <see cref="Messages"/>; the session ends when it completes or yields <c>\quit</c>.
    /// </summary>
    public IAsyncEnumerable<string>? MessageSource { get; init; }

    /// <summary>RFC 3526 group (5, 14, 15, 16, 17, 18); must match the server's.</summary>
    public int Group { get; init; } = DiffieHellmanGroups.DefaultGroup;

    /// <summary>Timeouts and size caps.</summary>
    public LegacyEchoLimits Limits { get; init; } = LegacyEchoLimits.Default;
}
