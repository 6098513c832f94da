namespace Jormungandr.Tunnel;

/// <summary>Which end of a tunnel a session belongs to.</summary>
public enum TunnelRole
{
    /// <summary>The listening end (<c>snek server</c>, <c>Start-SnekServer</c>).</summary>
    Server,
    /// <summary>The connecting end (<c>snek connect</c>, <c>Connect-SnekPeer</c>).</summary>
    Client,
}
