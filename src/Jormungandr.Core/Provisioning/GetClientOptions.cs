using Jormungandr.Tunnel;

namespace Jormungandr.Provisioning;

/// <summary>Options of <see cref="GetClientCommand"/> (<c>snek client list</c>, <c>Get-SnekClient</c>).</summary>
public sealed record GetClientOptions
{
    /// <summary>The server's authorized-keys directory. Required.</summary>
    public string AuthorizedKeysPath { get; init; } = "";

    /// <summary>Only the client with this name.</summary>
    public string? Name { get; init; }

    /// <summary>Checks every value.</summary>
    public void Validate()
    {
        OptionChecks.RequirePath(AuthorizedKeysPath, "AuthorizedKeysPath");
        if (Name is not null)
        {
            ClientDirectory.CheckName(Name);
        }
    }
}
