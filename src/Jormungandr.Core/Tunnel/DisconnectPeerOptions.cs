namespace Jormungandr.Tunnel;

/// <summary>Options of <see cref="DisconnectPeerCommand"/> (<c>snek disconnect</c>, <c>Disconnect-SnekPeer</c>).</summary>
public sealed record DisconnectPeerOptions
{
    /// <summary>Only in this tunnel; null looks in every running tunnel.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>The peer to disconnect (full <c>SHA256:…</c>, or the short hex form). Required.</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Where the status sockets are.</summary>
    public string StatusDirectory { get; init; } = TunnelDefaults.StatusDirectory;

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        if (InterfaceName is not null)
        {
            OptionChecks.InterfaceName(InterfaceName);
        }

        OptionChecks.Fingerprint(Fingerprint);
        OptionChecks.RequirePath(StatusDirectory, "StatusDirectory");
    }
}
