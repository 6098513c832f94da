using System.Text;
using Jormungandr.Identity;
using Jormungandr.IO;
using Jormungandr.Toml;
using Jormungandr.Tunnel;

namespace Jormungandr.Configuration;

/// <summary>
/// <c>client.toml</c>: every option of <c>snek connect</c> / <c>Connect-SnekPeer</c> (docs/config.md),
/// also the single-file client profile <c>snek client add</c> writes, with the private key and the
/// pinned server key inline. Strict like <see cref="ServerConfigFile"/>; a file holding a private key
/// must be mode 0600 and belong to the user (as a <c>.priv</c> file).
/// </summary>
public static class ClientConfigFile
{
    /// <summary>Largest file read.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The keys, in documentation order.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "server", "key_port", "data_port", "certificate", "private_key", "passphrase_file", "server_key",
        "server_public_key", "trusted_servers", "trust_on_first_use", "routes", "interface", "mtu", "padding",
        "full_tunnel", "kill_switch", "route_nopull", "pull_allow", "pull_deny", "pull_dns",
        "status_dir", "max_reconnect_delay", "rekey_after",
    ];

    /// <summary>Reads a client configuration file or profile; absent keys keep the defaults of <see cref="ClientOptions"/>.</summary>
    public static ClientOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        TomlSection root = TomlText.Load(path, MaxBytes, TomlErrors.Config, out FileStatus status);
        ClientOptions options = Read(root, ConfigFiles.DirectoryOf(path));
        if (options.PrivateKey is not null)
        {
            KeyFile.CheckPrivateAccess(status, path);
        }

        return options;
    }

    /// <summary>Reads the text of a client configuration file; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static ClientOptions Parse(string text, string sourceName, string baseDirectory) =>
        Read(TomlText.Parse(text, sourceName, TomlErrors.Config), baseDirectory);

    private static ClientOptions Read(TomlSection root, string baseDirectory)
    {
        root.AllowOnly([.. Keys]);
        ConfigReader r = new(root, baseDirectory);
        ClientOptions d = new();
        IReadOnlyList<string>? routes = root.Strings("routes", 256);
        if (routes is not null)
        {
            r.At("routes", () => routes.ToList().ForEach(route => OptionChecks.Route(route)));
        }

        int? mtu = (int?)root.Integer("mtu", 576, 65535);
        if (mtu is int m)
        {
            r.At("mtu", () => OptionChecks.Mtu(m, false));
        }

        IReadOnlyList<string>? pullAllow = root.Strings("pull_allow", 64);
        IReadOnlyList<string>? pullDeny = root.Strings("pull_deny", 64);
        if (pullAllow is not null)
        {
            r.At("pull_allow", () => OptionChecks.PullFilter(pullAllow, "pull_allow"));
        }

        if (pullDeny is not null)
        {
            r.At("pull_deny", () => OptionChecks.PullFilter(pullDeny, "pull_deny"));
        }

        string? privateKey = root.String("private_key");
        if (privateKey is not null && root.Has("certificate"))
        {
            throw root.Error(root.LocationOf("private_key"), "give 'private_key' or 'certificate', not both");
        }

        string? serverKey = r.Path("server_key");
        string? serverPublicKey = r.Checked("server_public_key", v => OptionChecks.PublicKey(v, "server_public_key"));
        if (serverKey is not null && serverPublicKey is not null)
        {
            throw root.Error(root.LocationOf("server_public_key"), "give 'server_public_key' or 'server_key', not both");
        }

        // One server address, or several tried in turn.
        IReadOnlyList<string> servers = root.Find("server")?.Value.Value is IReadOnlyList<TomlValue>
            ? root.Strings("server", 17)!
            : root.String("server") is string one ? [one] : [];
        if (root.Has("server"))
        {
            if (servers.Count == 0)
            {
                throw root.Error(root.LocationOf("server"), "'server' needs at least one address");
            }

            r.At("server", () =>
            {
                foreach (string server in servers)
                {
                    OptionChecks.Host(server);
                }
            });
        }

        return new ClientOptions
        {
            Address = servers.Count > 0 ? servers[0] : d.Address,
            AlternateAddresses = servers.Count > 1 ? [.. servers.Skip(1)] : d.AlternateAddresses,
            CertificatePath = r.Path("certificate") ?? d.CertificatePath,
            PrivateKey = privateKey,
            Passphrase = r.PassphraseFrom("passphrase_file"),
            ServerKeyPath = serverKey,
            ServerPublicKey = serverPublicKey,
            TrustedServersPath = r.Path("trusted_servers"),
            TrustOnFirstUse = root.Boolean("trust_on_first_use") ?? d.TrustOnFirstUse,
            KeyPort = r.Port("key_port") ?? d.KeyPort,
            DataPort = r.Port("data_port") ?? d.DataPort,
            Routes = routes ?? d.Routes,
            InterfaceName = r.Checked("interface", OptionChecks.InterfaceName),
            Mtu = mtu,
            NoPadding = root.Boolean("padding") is bool padding ? !padding : d.NoPadding,
            StatusDirectory = r.Path("status_dir") ?? d.StatusDirectory,
            MaxReconnectDelay = r.Seconds("max_reconnect_delay", 1, 600) ?? d.MaxReconnectDelay,
            RekeyAfter = r.Seconds("rekey_after", 2, 150) ?? d.RekeyAfter,
            FullTunnel = root.Boolean("full_tunnel") ?? d.FullTunnel,
            KillSwitch = root.Boolean("kill_switch") ?? d.KillSwitch,
            RouteNoPull = root.Boolean("route_nopull") ?? d.RouteNoPull,
            PullAllow = pullAllow ?? d.PullAllow,
            PullDeny = pullDeny ?? d.PullDeny,
            NoPullDns = root.Boolean("pull_dns") is bool pullDns ? !pullDns : d.NoPullDns,
        };
    }

    /// <summary>
    /// The file's options with those given explicitly on the command line or as parameters put over
    /// them; <paramref name="given"/> holds the <see cref="ClientOptions"/> property names that were given.
    /// A key file given explicitly replaces an inline key (and a pinned server key file an inline one).
    /// </summary>
    public static ClientOptions Overlay(ClientOptions file, ClientOptions explicitOptions, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(explicitOptions);
        ArgumentNullException.ThrowIfNull(given);
        ClientOptions e = explicitOptions;
        T Pick<T>(string name, T fromFile, T fromArgs) => given.Contains(name) ? fromArgs : fromFile;
        bool certificateGiven = given.Contains(nameof(e.CertificatePath));
        bool serverKeyGiven = given.Contains(nameof(e.ServerKeyPath)) || given.Contains(nameof(e.TrustedServersPath)) || given.Contains(nameof(e.TrustOnFirstUse));
        return new ClientOptions
        {
            Address = Pick(nameof(e.Address), file.Address, e.Address),
            AlternateAddresses = Pick(nameof(e.AlternateAddresses), given.Contains(nameof(e.Address)) ? [] : file.AlternateAddresses, e.AlternateAddresses),
            CertificatePath = Pick(nameof(e.CertificatePath), file.CertificatePath, e.CertificatePath),
            PrivateKey = certificateGiven ? e.PrivateKey : file.PrivateKey,
            Passphrase = Pick(nameof(e.Passphrase), file.Passphrase, e.Passphrase),
            ServerKeyPath = Pick(nameof(e.ServerKeyPath), file.ServerKeyPath, e.ServerKeyPath),
            ServerPublicKey = serverKeyGiven ? e.ServerPublicKey : file.ServerPublicKey,
            TrustedServersPath = Pick(nameof(e.TrustedServersPath), file.TrustedServersPath, e.TrustedServersPath),
            TrustOnFirstUse = Pick(nameof(e.TrustOnFirstUse), file.TrustOnFirstUse, e.TrustOnFirstUse),
            KeyPort = Pick(nameof(e.KeyPort), file.KeyPort, e.KeyPort),
            DataPort = Pick(nameof(e.DataPort), file.DataPort, e.DataPort),
            Routes = Pick(nameof(e.Routes), file.Routes, e.Routes),
            InterfaceName = Pick(nameof(e.InterfaceName), file.InterfaceName, e.InterfaceName),
            Mtu = Pick(nameof(e.Mtu), file.Mtu, e.Mtu),
            NoPadding = Pick(nameof(e.NoPadding), file.NoPadding, e.NoPadding),
            StatusDirectory = Pick(nameof(e.StatusDirectory), file.StatusDirectory, e.StatusDirectory),
            MaxReconnectDelay = Pick(nameof(e.MaxReconnectDelay), file.MaxReconnectDelay, e.MaxReconnectDelay),
            RekeyAfter = Pick(nameof(e.RekeyAfter), file.RekeyAfter, e.RekeyAfter),
            FullTunnel = Pick(nameof(e.FullTunnel), file.FullTunnel, e.FullTunnel),
            KillSwitch = Pick(nameof(e.KillSwitch), file.KillSwitch, e.KillSwitch),
            RouteNoPull = Pick(nameof(e.RouteNoPull), file.RouteNoPull, e.RouteNoPull),
            PullAllow = Pick(nameof(e.PullAllow), file.PullAllow, e.PullAllow),
            PullDeny = Pick(nameof(e.PullDeny), file.PullDeny, e.PullDeny),
            NoPullDns = Pick(nameof(e.NoPullDns), file.NoPullDns, e.NoPullDns),
        };
    }

    /// <summary>
    /// A client profile: the server, its ports, the pinned server key (base64), and either the client's
    /// private key inline (as <see cref="SnekIdentity.PrivateKeyText"/> gives it) or a key file beside the profile.
    /// </summary>
    public static string RenderProfile(string name, IReadOnlyList<string> servers, int keyPort, int dataPort, string serverPublicKey, string? privateKey, string? certificate)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(servers);
        StringBuilder text = new();
        text.Append("# Jormungandr client profile for ").Append(TomlWriter.CommentText(name)).Append('\n')
            .Append("# snek connect --config THIS_FILE   |   Connect-SnekPeer -ConfigPath THIS_FILE\n");
        if (privateKey is not null)
        {
            text.Append("# It holds this client's private key: keep it mode 0600 and hand it over privately.\n");
        }

        text.Append('\n')
            .Append("server = ").Append(servers.Count == 1 ? TomlWriter.String(servers[0]) : TomlWriter.Strings(servers)).Append('\n')
            .Append("key_port = ").Append(keyPort).Append('\n')
            .Append("data_port = ").Append(dataPort).Append('\n')
            .Append("server_public_key = ").Append(TomlWriter.String(serverPublicKey)).Append('\n');
        if (certificate is not null)
        {
            text.Append("certificate = ").Append(TomlWriter.String(certificate)).Append("   # the client's private key, beside this file\n");
        }

        if (privateKey is not null)
        {
            text.Append("private_key = ").Append(TomlWriter.MultiLine(privateKey)).Append('\n');
        }

        return text.ToString();
    }
}
