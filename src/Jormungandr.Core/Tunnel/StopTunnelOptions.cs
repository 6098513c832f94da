namespace Jormungandr.Tunnel;

/// <summary>Options of <see cref="StopTunnelCommand"/> (<c>snek stop</c>, <c>Stop-SnekTunnel</c>).</summary>
public sealed record StopTunnelOptions
{
    /// <summary>The tunnel to stop. Required.</summary>
    public string InterfaceName { get; init; } = "";

    /// <summary>Where the status sockets are.</summary>
    public string StatusDirectory { get; init; } = TunnelDefaults.StatusDirectory;

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        OptionChecks.InterfaceName(InterfaceName);
        OptionChecks.RequirePath(StatusDirectory, "StatusDirectory");
    }
}
