using Jormungandr.Toml;
using Jormungandr.Tunnel;

namespace Jormungandr.Configuration;

/// <summary>
/// <c>server.toml</c>: every option of <c>snek server</c> / <c>Start-SnekServer</c> (docs/config.md).
/// Strict: an unknown key, a duplicate key or table, a wrong type or a bad value is a
/// <see cref="TomlFileException"/> (ConfigInvalid) naming <c>file:line:column</c>.
/// </summary>
public static class ServerConfigFile
{
    /// <summary>Largest file read.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The keys, in documentation order.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "authorized_keys", "certificate", "passphrase_file", "key_port", "data_port", "bind", "pool", "pool6",
        "interface", "mtu", "padding", "status_dir", "state_dir", "gateway", "push_routes", "push_dns", "push_search_domains",
    ];

    /// <summary>Reads a server configuration file; absent keys keep the defaults of <see cref="ServerOptions"/>.</summary>
    public static ServerOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(TomlText.Load(path, MaxBytes, TomlErrors.Config), ConfigFiles.DirectoryOf(path));
    }

    /// <summary>Reads the text of a server configuration file; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static ServerOptions Parse(string text, string sourceName, string baseDirectory) =>
        Read(TomlText.Parse(text, sourceName, TomlErrors.Config), baseDirectory);

    private static ServerOptions Read(TomlSection root, string baseDirectory)
    {
        root.AllowOnly([.. Keys]);
        ConfigReader r = new(root, baseDirectory);
        ServerOptions d = new();
        string? pool6 = r.Checked("pool6", v => OptionChecks.Pool6(v));
        int? mtu = (int?)root.Integer("mtu", 576, 65535);
        if (mtu is int m)
        {
            r.At("mtu", () => OptionChecks.Mtu(m, pool6 is not null));
        }

        IReadOnlyList<string> pushRoutes = root.Strings("push_routes", 32) ?? d.PushRoutes;
        IReadOnlyList<string> pushDns = root.Strings("push_dns", 4) ?? d.PushDns;
        IReadOnlyList<string> pushDomains = root.Strings("push_search_domains", 6) ?? d.PushSearchDomains;
        foreach (string key in new[] { "push_routes", "push_dns", "push_search_domains" })
        {
            if (root.Has(key))
            {
                r.At(key, () => OptionChecks.Pushed(pushRoutes, pushDns, pushDomains));
                break;
            }
        }

        return new ServerOptions
        {
            AuthorizedKeysPath = r.Path("authorized_keys") ?? d.AuthorizedKeysPath,
            CertificatePath = r.Path("certificate"),
            Passphrase = r.PassphraseFrom("passphrase_file"),
            KeyPort = r.Port("key_port") ?? d.KeyPort,
            DataPort = r.Port("data_port") ?? d.DataPort,
            Bind = r.Checked("bind", v => OptionChecks.Address(v, "bind")),
            Pool = r.Checked("pool", v => OptionChecks.Pool4(v)) ?? d.Pool,
            Pool6 = pool6,
            InterfaceName = r.Checked("interface", OptionChecks.InterfaceName),
            Mtu = mtu,
            NoPadding = root.Boolean("padding") is bool padding ? !padding : d.NoPadding,
            StatusDirectory = r.Path("status_dir") ?? d.StatusDirectory,
            StateDirectory = r.Path("state_dir"),
            Gateway = root.Boolean("gateway") ?? d.Gateway,
            PushRoutes = pushRoutes,
            PushDns = pushDns,
            PushSearchDomains = pushDomains,
        };
    }

    /// <summary>
    /// The file's options with those given explicitly on the command line or as parameters put over
    /// them; <paramref name="given"/> holds the <see cref="ServerOptions"/> property names that were given.
    /// </summary>
    public static ServerOptions Overlay(ServerOptions file, ServerOptions explicitOptions, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(explicitOptions);
        ArgumentNullException.ThrowIfNull(given);
        ServerOptions e = explicitOptions;
        T Pick<T>(string name, T fromFile, T fromArgs) => given.Contains(name) ? fromArgs : fromFile;
        return new ServerOptions
        {
            AuthorizedKeysPath = Pick(nameof(e.AuthorizedKeysPath), file.AuthorizedKeysPath, e.AuthorizedKeysPath),
            CertificatePath = Pick(nameof(e.CertificatePath), file.CertificatePath, e.CertificatePath),
            Passphrase = Pick(nameof(e.Passphrase), file.Passphrase, e.Passphrase),
            KeyPort = Pick(nameof(e.KeyPort), file.KeyPort, e.KeyPort),
            DataPort = Pick(nameof(e.DataPort), file.DataPort, e.DataPort),
            Bind = Pick(nameof(e.Bind), file.Bind, e.Bind),
            Pool = Pick(nameof(e.Pool), file.Pool, e.Pool),
            Pool6 = Pick(nameof(e.Pool6), file.Pool6, e.Pool6),
            InterfaceName = Pick(nameof(e.InterfaceName), file.InterfaceName, e.InterfaceName),
            Mtu = Pick(nameof(e.Mtu), file.Mtu, e.Mtu),
            NoPadding = Pick(nameof(e.NoPadding), file.NoPadding, e.NoPadding),
            StatusDirectory = Pick(nameof(e.StatusDirectory), file.StatusDirectory, e.StatusDirectory),
            StateDirectory = Pick(nameof(e.StateDirectory), file.StateDirectory, e.StateDirectory),
            Gateway = Pick(nameof(e.Gateway), file.Gateway, e.Gateway),
            PushRoutes = Pick(nameof(e.PushRoutes), file.PushRoutes, e.PushRoutes),
            PushDns = Pick(nameof(e.PushDns), file.PushDns, e.PushDns),
            PushSearchDomains = Pick(nameof(e.PushSearchDomains), file.PushSearchDomains, e.PushSearchDomains),
        };
    }
}
