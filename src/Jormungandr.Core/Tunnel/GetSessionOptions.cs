namespace Jormungandr.Tunnel;

/// <summary>Options of <see cref="GetSessionCommand"/> (<c>snek show</c>, <c>Get-SnekSession</c>).</summary>
public sealed record GetSessionOptions
{
    /// <summary>Only this tunnel; null asks every running tunnel.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Only the session with this peer fingerprint (full <c>SHA256:…</c>, or the short hex form).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Instead of sessions, one <see cref="SnekServerStatus"/> per running server (handshake counters).</summary>
    public bool Server { get; init; }

    /// <summary>Where the status sockets are.</summary>
    public string StatusDirectory { get; init; } = TunnelDefaults.StatusDirectory;

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        if (InterfaceName is not null)
        {
            OptionChecks.InterfaceName(InterfaceName);
        }

        if (Fingerprint is not null)
        {
            OptionChecks.Fingerprint(Fingerprint);
        }

        OptionChecks.RequirePath(StatusDirectory, "StatusDirectory");
    }
}
