using System.Security;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Configuration;
using Jormungandr.Identity;

namespace Jormungandr.Provisioning;

/// <summary>
/// Provisions a client in one step: creates its identity (or takes an existing <c>.pub</c>), authorizes
/// it under its name in the server's authorized-keys directory with optional static addresses and
/// networks, and writes one client profile (mode 0600) that <c>snek connect --config</c> uses as is:
/// the server's address and ports, its pinned public key, and the client's private key inline
/// (armored when a passphrase is given). A new private key is written nowhere else. A running server
/// picks the key up within a second (it re-reads the directory). Emits a <see cref="SnekClient"/>.
/// </summary>
public sealed class AddClientCommand : ISnekCommand<AddClientOptions>
{
    /// <summary>The ShouldProcess action text.</summary>
    public const string Action = "Authorize client and write its profile";

    /// <inheritdoc />
    public Task ExecuteAsync(AddClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        ClientDirectory clients = new(options.AuthorizedKeysPath);
        clients.RequireExists();
        string profile = Path.GetFullPath(options.ProfilePath);
        if (!options.Force)
        {
            if (File.Exists(clients.KeyFile(options.Name)))
            {
                throw new SnekException("ClientExists", ErrorKind.ResourceExists, $"A client named '{options.Name}' is already authorized ({clients.KeyFile(options.Name)}); remove it first or use --force / -Force.", options.Name);
            }

            if (File.Exists(profile))
            {
                throw Identity.KeyFile.Exists(profile);
            }
        }

        using SnekIdentity server = SnekIdentity.LoadPublic(options.ServerKeyPath);
        var addresses = ClientDirectory.CheckAddresses(options.Addresses);
        IReadOnlyList<string> networks = ClientDirectory.CheckNetworks(options.Networks);
        using SnekIdentity client = options.PublicKeyPath is string pub ? SnekIdentity.LoadPublic(pub) : SnekIdentity.Generate();
        if (!output.ShouldProcess($"{options.Name} ({client.ShortFingerprint}) in {clients.Path}, profile {profile}", Action))
        {
            return Task.CompletedTask;
        }

        cancellationToken.ThrowIfCancellationRequested();
        string? privateKey = null;
        if (client.HasPrivateKey)
        {
            using SecureString? secure = options.Passphrase is null ? null : SecurePassphrase.From(options.Passphrase);
            privateKey = client.PrivateKeyText(secure);
        }

        // A client given as a .pub keeps its private key where it is: the profile names it beside itself.
        string text = ClientConfigFile.RenderProfile(options.Name, options.ServerAddresses, options.KeyPort, options.DataPort,
            Convert.ToBase64String(server.PublicKeySpan), privateKey, privateKey is null ? options.Name + ".priv" : null);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            Identity.KeyFile.WriteAtomic(profile, bytes, Identity.KeyFile.PrivateMode, options.Force);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }

        // Static addresses and networks first: the key is what authorizes, so it comes last.
        WriteOrDelete(clients.AddressFile(options.Name), addresses is { } a ? ClientDirectory.AddressText(a) : null);
        WriteOrDelete(clients.NetworksFile(options.Name), networks.Count > 0 ? ClientDirectory.NetworksText(networks) : null);
        client.SavePublic(clients.KeyFile(options.Name), overwrite: options.Force);
        output.WriteVerbose($"Authorized {options.Name} ({client.Fingerprint}) in {clients.Path}; profile {profile}");
        output.WriteObject(clients.Find(options.Name)! with { ProfilePath = profile });
        return Task.CompletedTask;
    }

    private static void WriteOrDelete(string path, string? text)
    {
        if (text is null)
        {
            File.Delete(path);
            return;
        }

        Identity.KeyFile.WriteAtomic(path, Encoding.UTF8.GetBytes(text), Identity.KeyFile.PublicMode, overwrite: true);
    }
}
