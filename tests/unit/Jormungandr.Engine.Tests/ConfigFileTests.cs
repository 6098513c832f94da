using System.CommandLine;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Cli;
using Jormungandr.Configuration;
using Jormungandr.Toml;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

/// <summary>
/// server.toml and client.toml: a file and the same values as flags give identical options (through
/// the real <c>snek</c> parser), flags given explicitly win, and every mistake names file:line:column.
/// </summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ServerOptions ParseServer(params string[] args)
    {
        ServerOptions? captured = null;
        Command command = TunnelCli.CreateServer((_, o, _) => { captured = o; return Task.FromResult(0); });
        int code = command.Parse(args).Invoke();
        Assert.True(code == 0 && captured is not null, $"snek server {string.Join(' ', args)} exited {code}");
        return captured!;
    }

    private static ClientOptions ParseClient(params string[] args)
    {
        ClientOptions? captured = null;
        Command command = TunnelCli.CreateConnect((_, o, _) => { captured = o; return Task.FromResult(0); });
        int code = command.Parse(args).Invoke();
        Assert.True(code == 0 && captured is not null, $"snek connect {string.Join(' ', args)} exited {code}");
        return captured!;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Q(string s) => TomlWriter.String(s);

    private sealed record ServerCase(string Keys, string? Cert, int KeyPort, int DataPort, string? Bind, int PoolNet, bool Pool6, string? Interface, int? Mtu, bool Padding);

    private static Gen<string?> Maybe(Gen<string> gen) => Gen.OneOf(Gen.Constant<string?>(null), gen.Select(s => (string?)s));

    private static readonly Gen<string> RelativePath = Gen.Elements("keys", "a/b", "clients.d", "x y/z").Select(s => s);

    private static readonly Gen<ServerCase> ServerCases =
        from keys in RelativePath
        from cert in Maybe(Gen.Elements("server.priv", "k/s.priv"))
        from keyPort in Gen.Choose(1, 65535)
        from dataPort in Gen.Choose(1, 65535)
        from bind in Maybe(Gen.Elements("198.18.0.1", "198.18.44.3", "2001:2::1"))
        from pool in Gen.Choose(0, 255)
        from pool6 in Gen.Elements(false, true)
        from iface in Maybe(Gen.Choose(0, 99).Select(i => "snk" + i.ToString(CultureInfo.InvariantCulture)))
        from mtu in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1280, 9000).Select(m => (int?)m))
        from padding in Gen.Elements(false, true)
        select new ServerCase(keys, cert, keyPort, dataPort, bind, pool, pool6, iface, mtu, padding);

    [Fact]
    public void A_server_file_and_the_same_flags_give_identical_options()
    {
        Prop.ForAll(ServerCases.ToArbitrary(), c =>
        {
            string Abs(string rel) => Path.GetFullPath(Path.Combine(_dir, rel));
            string pool = $"198.19.{c.PoolNet}.0/24";
            StringBuilder toml = new();
            List<string> flags = ["--authorized-keys", Abs(c.Keys), "--key-port", $"{c.KeyPort}", "--data-port", $"{c.DataPort}", "--pool", pool];
            toml.Append("authorized_keys = ").Append(Q(c.Keys)).Append("\nkey_port = ").Append(c.KeyPort).Append("\ndata_port = ").Append(c.DataPort)
                .Append("\npool = ").Append(Q(pool)).Append('\n');
            if (c.Cert is not null) { toml.Append("certificate = ").Append(Q(c.Cert)).Append('\n'); flags.AddRange(["--cert", Abs(c.Cert)]); }
            if (c.Bind is not null) { toml.Append("bind = ").Append(Q(c.Bind)).Append('\n'); flags.AddRange(["--bind", c.Bind]); }
            if (c.Pool6) { toml.Append("pool6 = \"fd00:5ec::/64\"\n"); flags.AddRange(["--pool6", "fd00:5ec::/64"]); }
            if (c.Interface is not null) { toml.Append("interface = ").Append(Q(c.Interface)).Append('\n'); flags.AddRange(["-i", c.Interface]); }
            if (c.Mtu is int mtu) { toml.Append("mtu = ").Append(mtu).Append('\n'); flags.AddRange(["--mtu", $"{mtu}"]); }
            toml.Append("padding = ").Append(c.Padding ? "true" : "false").Append('\n');
            if (!c.Padding) { flags.Add("--no-padding"); }

            string file = Write("server.toml", toml.ToString());
            ServerOptions fromFile = ParseServer("--config", file);
            ServerOptions fromFlags = ParseServer([.. flags]);
            // Lists compare by content (a record compares their references).
            Assert.Equal(fromFlags.PushRoutes, fromFile.PushRoutes);
            Assert.Equal(fromFlags.PushDns, fromFile.PushDns);
            Assert.Equal(fromFlags.PushSearchDomains, fromFile.PushSearchDomains);
            Assert.Equal(fromFlags with { PushRoutes = [], PushDns = [], PushSearchDomains = [] }, fromFile with { PushRoutes = [], PushDns = [], PushSearchDomains = [] });
            fromFile.Validate();
        }).QuickCheckThrowOnFailure();
    }

    private sealed record ClientCase(string Server, string[] Alternates, int KeyPort, int DataPort, string[] Routes, string? Interface, int? Mtu, bool Padding, int Reconnect, int Rekey, int Trust);

    private static readonly Gen<ClientCase> ClientCases =
        from server in Gen.Elements("198.18.0.1", "2001:2::9", "vpn.example.test")
        from alternates in Gen.ArrayOf(Gen.Elements("198.18.0.2", "2001:2::a", "backup.example.test")).Select(a => a.Take(3).ToArray())
        from keyPort in Gen.Choose(1, 65535)
        from dataPort in Gen.Choose(1, 65535)
        from routes in Gen.ArrayOf(Gen.Choose(0, 255).Select(n => $"198.19.{n}.0/24")).Select(r => r.Take(5).ToArray())
        from iface in Maybe(Gen.Choose(0, 99).Select(i => "snk" + i.ToString(CultureInfo.InvariantCulture)))
        from mtu in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(576, 9000).Select(m => (int?)m))
        from padding in Gen.Elements(false, true)
        from reconnect in Gen.Choose(1, 600)
        from rekey in Gen.Choose(2, 150)
        from trust in Gen.Choose(0, 2)
        select new ClientCase(server, alternates, keyPort, dataPort, routes, iface, mtu, padding, reconnect, rekey, trust);

    [Fact]
    public void A_client_file_and_the_same_flags_give_identical_options()
    {
        Prop.ForAll(ClientCases.ToArbitrary(), c =>
        {
            string Abs(string rel) => Path.GetFullPath(Path.Combine(_dir, rel));
            StringBuilder toml = new();
            List<string> flags = [c.Server, "--cert", Abs("me.priv"), "--key-port", $"{c.KeyPort}", "--data-port", $"{c.DataPort}",
                "--max-reconnect-delay", $"{c.Reconnect}", "--rekey-after", $"{c.Rekey}"];
            foreach (string a in c.Alternates) { flags.AddRange(["--alternate-server", a]); }
            toml.Append("server = ").Append(c.Alternates.Length == 0 ? Q(c.Server) : TomlWriter.Strings([c.Server, .. c.Alternates])).Append("\ncertificate = \"me.priv\"\nkey_port = ").Append(c.KeyPort).Append("\ndata_port = ").Append(c.DataPort)
                .Append("\nmax_reconnect_delay = ").Append(c.Reconnect).Append("\nrekey_after = ").Append(c.Rekey).Append('\n');
            switch (c.Trust)
            {
                case 0: toml.Append("server_key = \"../server.pub\"\n"); flags.AddRange(["--server-key", Abs("../server.pub")]); break;
                case 1: toml.Append("trusted_servers = \"trusted\"\n"); flags.AddRange(["--trusted-servers", Abs("trusted")]); break;
                default: toml.Append("trust_on_first_use = true\n"); flags.Add("--trust-on-first-use"); break;
            }

            if (c.Routes.Length > 0) { toml.Append("routes = ").Append(TomlWriter.Strings(c.Routes)).Append('\n'); }
            foreach (string r in c.Routes) { flags.AddRange(["--route", r]); }
            if (c.Interface is not null) { toml.Append("interface = ").Append(Q(c.Interface)).Append('\n'); flags.AddRange(["-i", c.Interface]); }
            if (c.Mtu is int mtu) { toml.Append("mtu = ").Append(mtu).Append('\n'); flags.AddRange(["--mtu", $"{mtu}"]); }
            if (!c.Padding) { toml.Append("padding = false\n"); flags.Add("--no-padding"); }

            string file = Write("client.toml", toml.ToString());
            ClientOptions fromFile = ParseClient("--config", file);
            ClientOptions fromFlags = ParseClient([.. flags]);
            Assert.Equal(fromFlags.Routes, fromFile.Routes);
            Assert.Equal(fromFlags.AlternateAddresses, fromFile.AlternateAddresses);
            Assert.Equal(fromFlags.PullAllow, fromFile.PullAllow);
            Assert.Equal(fromFlags.PullDeny, fromFile.PullDeny);
            Assert.Equal(fromFlags with { Routes = [], AlternateAddresses = [], PullAllow = [], PullDeny = [] }, fromFile with { Routes = [], AlternateAddresses = [], PullAllow = [], PullDeny = [] });
            fromFile.Validate();
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_vpn_flags_set_their_options_and_override_a_file()
    {
        ClientOptions client = ParseClient("198.18.0.1", "--cert", "c.priv", "--full-tunnel", "--kill-switch", "--pull-allow", "198.19.0.0/16",
            "--pull-deny", "198.19.64.0/24", "--no-pull-dns");
        Assert.True(client.FullTunnel);
        Assert.True(client.KillSwitch);
        Assert.False(client.RouteNoPull);
        Assert.Equal(["198.19.0.0/16"], client.PullAllow);
        Assert.Equal(["198.19.64.0/24"], client.PullDeny);
        Assert.True(client.NoPullDns);
        Assert.True(ParseClient("198.18.0.1", "--cert", "c.priv", "--route-nopull").RouteNoPull);

        ServerOptions server = ParseServer("-a", "keys", "--gateway", "--push-route", "0.0.0.0/0", "--push-route", "198.19.64.0/24",
            "--push-dns", "198.19.0.1", "--push-search-domain", "corp.example");
        Assert.True(server.Gateway);
        Assert.Equal(["0.0.0.0/0", "198.19.64.0/24"], server.PushRoutes);
        Assert.Equal(["198.19.0.1"], server.PushDns);
        Assert.Equal(["corp.example"], server.PushSearchDomains);

        string file = Write("vpn.toml", "authorized_keys = \"keys\"\ngateway = false\npush_dns = [\"198.19.0.2\"]\n");
        ServerOptions overlaid = ParseServer("--config", file, "--gateway");
        Assert.True(overlaid.Gateway);
        Assert.Equal(["198.19.0.2"], overlaid.PushDns);
    }

    [Fact]
    public void Flags_given_explicitly_override_the_file_and_defaults_do_not()
    {
        string file = Write("s.toml", "authorized_keys = \"keys\"\nkey_port = 8443\ndata_port = 18666\ninterface = \"snk7\"\npadding = false\n");
        ServerOptions options = ParseServer("--config", file, "--key-port", "443", "-i", "snk8");
        Assert.Equal(443, options.KeyPort);               // explicit, though equal to the default
        Assert.Equal(18666, options.DataPort);            // the flag's default does not override the file
        Assert.Equal("snk8", options.InterfaceName);
        Assert.True(options.NoPadding);
        Assert.Equal(Path.Combine(_dir, "keys"), options.AuthorizedKeysPath);

        string client = Write("c.toml", "server = \"198.18.0.1\"\ncertificate = \"me.priv\"\nserver_key = \"s.pub\"\nroutes = [\"198.19.5.0/24\"]\n");
        ClientOptions c = ParseClient("198.18.0.2", "--config", client, "--route", "198.19.6.0/24");
        Assert.Equal("198.18.0.2", c.Address);
        Assert.Equal(["198.19.6.0/24"], c.Routes);
        Assert.Equal(Path.Combine(_dir, "s.pub"), c.ServerKeyPath);
    }

    [Fact]
    public void An_explicit_key_file_replaces_an_inline_private_key()
    {
        ClientOptions file = new() { Address = "198.18.0.1", PrivateKey = "AAAA", ServerPublicKey = "BBBB" };
        ClientOptions flags = new() { CertificatePath = "/k.priv", ServerKeyPath = "/s.pub" };
        ClientOptions merged = ClientConfigFile.Overlay(file, flags, new HashSet<string> { nameof(ClientOptions.CertificatePath), nameof(ClientOptions.ServerKeyPath) });
        Assert.Null(merged.PrivateKey);
        Assert.Null(merged.ServerPublicKey);
        Assert.Equal("/k.priv", merged.CertificatePath);
        Assert.Equal("/s.pub", merged.ServerKeyPath);
    }

    [Theory]
    [InlineData("authorized_keys = \"k\"\ncolour = 1", 2, 1, "unknown key 'colour'")]
    [InlineData("authorized_keys = \"k\"\nauthorized_keys = \"j\"", 2, 1, "already defined")]
    [InlineData("[t]\n[t]", 2, 1, "already defined")]
    [InlineData("[t]\n[[t]]", 2, 1, "already defined")]
    [InlineData("[server]\nkey_port = 1", 1, 2, "unknown key 'server'")]
    [InlineData("key_port = \"443\"", 1, 12, "must be an integer, not a string")]
    [InlineData("key_port = 0", 1, 12, "from 1 to 65535")]
    [InlineData("data_port = 65536", 1, 13, "from 1 to 65535")]
    [InlineData("mtu = 100", 1, 7, "from 576 to 65535")]
    [InlineData("pool6 = \"fd00:5ec::/64\"\nmtu = 600", 2, 7, "1280")]
    [InlineData("pool = \"198.19.0.0/33\"", 1, 8, "Pool")]
    [InlineData("pool6 = \"198.19.0.0/24\"", 1, 9, "Pool6")]
    [InlineData("bind = \"not-an-address\"", 1, 8, "bind")]
    [InlineData("interface = \"eth0/x\"", 1, 13, "nterface")]
    [InlineData("padding = \"no\"", 1, 11, "must be a boolean")]
    [InlineData("authorized_keys = \"\"", 1, 19, "is empty")]
    [InlineData("passphrase_file = \"missing\"", 1, 19, "does not exist")]
    [InlineData("key_port = 1 x", 1, 14, "newline")]
    public void Server_file_mistakes_name_file_line_and_column(string text, int line, int column, string why)
    {
        string path = Write("bad.toml", text);
        TomlFileException ex = Assert.Throws<TomlFileException>(() => ServerConfigFile.Load(path));
        Assert.Equal("ConfigInvalid", ex.ErrorId);
        Assert.Equal(Commands.ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server = \"198.18.0.1\"\nroutes = [\"198.19.0.0/24\", 7]", 2, 28, "must be a string, not an integer")]
    [InlineData("routes = [\"198.19.0.0/33\"]", 1, 10, "Routes")]
    [InlineData("routes = \"198.19.0.0/24\"", 1, 10, "must be an array")]
    [InlineData("server = \"\"", 1, 10, "")]
    [InlineData("rekey_after = 151", 1, 15, "from 2 to 150")]
    [InlineData("max_reconnect_delay = 0", 1, 23, "from 1 to 600")]
    [InlineData("trust_on_first_use = 1", 1, 22, "must be a boolean")]
    [InlineData("server_public_key = \"AAAA\"", 1, 21, "1952-byte")]
    [InlineData("server_key = \"s.pub\"\nserver_public_key = \"AAAA\"", 2, 21, "")]
    [InlineData("certificate = \"c.priv\"\nprivate_key = \"AAAA\"", 2, 15, "not both")]
    [InlineData("Server = \"198.18.0.1\"", 1, 1, "unknown key 'Server'")]
    [InlineData("server = []", 1, 10, "at least one address")]
    [InlineData("server = [\"198.18.0.1\", 7]", 1, 25, "must be a string")]
    [InlineData("server = [\"198.18.0.1\", \"bad host!\"]", 1, 10, "")]
    public void Client_file_mistakes_name_file_line_and_column(string text, int line, int column, string why)
    {
        string path = Write("bad.toml", text);
        TomlFileException ex = Assert.Throws<TomlFileException>(() => ClientConfigFile.Load(path));
        Assert.Equal("ConfigInvalid", ex.ErrorId);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CLI_reports_a_bad_file_in_one_line_with_the_usage_exit_code()
    {
        string path = Write("bad.toml", "authorized_keys = \"k\"\nkey_port = 70000\n");
        StringWriter stdout = new(), stderr = new();
        int code = await Program.RunAsync(["server", "--config", path], stdout, stderr, CancellationToken.None);
        Assert.Equal(Commands.ExitCodes.Usage, code);
        Assert.Equal($"snek: {path}:2:12: 'key_port' is 70000; it must be from 1 to 65535", stderr.ToString().Trim());

        code = await Program.RunAsync(["connect", "--config", Path.Combine(_dir, "missing.toml")], stdout, stderr, CancellationToken.None);
        Assert.Equal(Commands.ExitCodes.NotFound, code);
    }

    [Fact]
    public void A_file_holding_a_private_key_must_not_be_readable_by_others()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // file modes are a Unix matter; CI runs on Linux
        }

        string path = Write("profile.toml", "server = \"198.18.0.1\"\nprivate_key = \"AAAA\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Commands.SnekException ex = Assert.ThrowsAny<Commands.SnekException>(() => ClientConfigFile.Load(path));
        Assert.Contains("too open", ex.Message, StringComparison.Ordinal);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("AAAA", ClientConfigFile.Load(path).PrivateKey);
    }

    [Fact]
    public void The_examples_load()
    {
        string examples = Path.Combine(TestPaths.RepositoryRoot, "examples", "config");
        ServerOptions server = ServerConfigFile.Load(Path.Combine(examples, "server.toml"));
        Assert.Equal(Path.Combine(examples, "clients"), server.AuthorizedKeysPath);
        server.Validate();
        ClientOptions client = ClientConfigFile.Load(Path.Combine(examples, "client.toml"));
        client.Validate();
        Assert.Equal("198.18.0.1", client.Address);
    }
}
