using Jormungandr.Tunnel;

namespace Jormungandr.Provisioning;

/// <summary>Options of <see cref="RemoveClientCommand"/> (<c>snek client remove</c>, <c>Remove-SnekClient</c>).</summary>
public sealed record RemoveClientOptions
{
    /// <summary>The client's name. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>The server's authorized-keys directory. Required.</summary>
    public string AuthorizedKeysPath { get; init; } = "";

    /// <summary>Writes the revoked client as a <see cref="SnekClient"/>.</summary>
    public bool PassThru { get; init; }

    /// <summary>Checks every value.</summary>
    public void Validate()
    {
        ClientDirectory.CheckName(Name);
        OptionChecks.RequirePath(AuthorizedKeysPath, "AuthorizedKeysPath");
    }
}
