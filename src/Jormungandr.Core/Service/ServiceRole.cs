namespace Jormungandr.Service;

/// <summary>Which tunnel a service unit runs.</summary>
public enum ServiceRole
{
    /// <summary><c>snek server</c>: <c>jormungandr-server@&lt;name&gt;.service</c>.</summary>
    Server,

    /// <summary><c>snek connect</c>: <c>jormungandr-client@&lt;name&gt;.service</c>.</summary>
    Client,
}
