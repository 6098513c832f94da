namespace Jormungandr.Provisioning;

/// <summary>A client authorized on this server (<c>snek client list</c>, <c>Get-SnekClient</c>).</summary>
public sealed record SnekClient
{
    /// <summary>The client's name: its key file is <c>&lt;Name&gt;.pub</c> in the authorized-keys directory.</summary>
    public required string Name { get; init; }

    /// <summary>Full fingerprint of the client's public key.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Short fingerprint (as <c>snek show</c> prints it).</summary>
    public required string ShortFingerprint { get; init; }

    /// <summary>Static tunnel addresses (<c>&lt;Name&gt;.addr</c>); empty when the pool assigns them.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Networks behind the client (<c>&lt;Name&gt;.networks</c>), recorded for routing.</summary>
    public IReadOnlyList<string> Networks { get; init; } = [];

    /// <summary>The profile written for it, when this object comes from provisioning.</summary>
    public string? ProfilePath { get; init; }

    /// <summary>The authorized-keys directory.</summary>
    public required string AuthorizedKeysPath { get; init; }
}
