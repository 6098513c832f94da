namespace Jormungandr.Engine;

/// <summary>A tunnel that can move its data channel to a new local port (a client roaming); the status socket's <c>rebind</c>.</summary>
internal interface IRoamingTunnel : ITunnelControl
{
    /// <summary>Moves the data channel to a new local UDP port; the session continues.</summary>
    bool Rebind();
}
