using Jormungandr.Commands;
using Jormungandr.Legacy;
using Jormungandr.Legacy.Toml;

namespace Jormungandr.Tests;

public class TomlReaderTests
{
    private static TomlDocument Parse(string text) => new StrictTomlReader().Parse(text, "test.toml");

    [Fact]
    public void Reads_the_course_cipher_file_shape()
    {
        TomlDocument doc = Parse("""
            # Ciphers the client proposes
            [[supported_cipher]]
            name = "AES"   # the modern one
            keys = [128, 192, 256]

            [[supported_cipher]]
            name = 'Blowfish'
            keys = [
              112,  # short
              224,
              448,
            ]
            """);
        var tables = Assert.IsAssignableFrom<IReadOnlyList<TomlTable>>(doc.Root["supported_cipher"]);
        Assert.Equal(2, tables.Count);
        Assert.Equal("AES", tables[0].Values["name"]);
        Assert.Equal(new object[] { 128L, 192L, 256L }, Assert.IsAssignableFrom<IReadOnlyList<object>>(tables[0].Values["keys"]));
        Assert.Equal("Blowfish", tables[1].Values["name"]);
        Assert.Equal(new object[] { 112L, 224L, 448L }, Assert.IsAssignableFrom<IReadOnlyList<object>>(tables[1].Values["keys"]));
        Assert.Equal(2, tables[0].Line);
        Assert.Equal(6, tables[1].Line);
    }

    [Fact]
    public void Reads_top_level_keys_tables_escapes_and_integers()
    {
        TomlDocument doc = Parse("title = \"a\\tb \\u00e9\"\r\nn = -1_000\n\"quoted key\" = +7\n[server]\nport = 4600\n");
        Assert.Equal("a\tb é", doc.Root["title"]);
        Assert.Equal(-1000L, doc.Root["n"]);
        Assert.Equal(7L, doc.Root["quoted key"]);
        Assert.Equal(4600L, Assert.IsType<TomlTable>(doc.Root["server"]).Values["port"]);
    }

    [Theory]
    [InlineData("a = true", 1, 5, "booleans")]
    [InlineData("a = 1.5", 1, 5, "decimal integers")]
    [InlineData("x = 1\na = 0x10", 2, 5, "decimal integers")]
    [InlineData("a = 1979-05-27", 1, 5, "decimal integers")]
    [InlineData("a = { b = 1 }", 1, 5, "inline tables")]
    [InlineData("a.b = 1", 1, 2, "dotted keys")]
    [InlineData("[a.b]", 1, 3, "dotted table")]
    [InlineData("a = [[1], [2]]", 1, 6, "nested arrays")]
    [InlineData("a = \"\"\"x\"\"\"", 1, 5, "multi-line strings")]
    [InlineData("a = \"open", 1, 5, "unterminated string")]
    [InlineData("a = [1, 2", 1, 10, "unterminated array")]
    [InlineData("a = 1 b = 2", 1, 7, "end of the line")]
    [InlineData("a = 1\na = 2", 2, 1, "defined twice")]
    [InlineData("a = 012", 1, 5, "leading zeros")]
    [InlineData("a = 99999999999999999999", 1, 5, "out of range")]
    [InlineData("= 1", 1, 1, "expected a key")]
    [InlineData("a = \"\\q\"", 1, 6, "unknown escape")]
    [InlineData("a = 1__0", 1, 7, "misplaced '_'")]
    public void Rejects_anything_else_with_line_and_column(string text, int line, int column, string why)
    {
        TomlSyntaxException ex = Assert.Throws<TomlSyntaxException>(() => Parse(text));
        Assert.Equal("TomlSyntax", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"test.toml:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Example_files_load_as_proposals()
    {
        string dir = LegacyPaths.Examples;
        CipherProposal client = CipherProposal.Load(Path.Combine(dir, "client_cipher.toml"));
        CipherProposal server = CipherProposal.Load(Path.Combine(dir, "server_cipher.toml"));
        Assert.Equal("ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448],DES3:[192]", client.Format());
        Assert.Equal(new CipherSuite("AES", 256), CipherNegotiation.Select(server, client));
        Assert.Equal(CipherProposal.DefaultClient.Format(), client.Format());
        Assert.Equal(CipherProposal.DefaultServer.Format(), server.Format());
    }

    [Fact]
    public void Cipher_file_errors_are_specific()
    {
        string dir = Path.Combine(Path.GetTempPath(), "legacy-toml-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string Write(string name, string text)
            {
                string path = Path.Combine(dir, name);
                File.WriteAllText(path, text);
                return path;
            }

            Assert.Equal("LegacyCipherFileNotFound", Assert.Throws<SnekException>(() => CipherProposal.Load(Path.Combine(dir, "missing.toml"))).ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, Assert.Throws<SnekException>(() => CipherProposal.Load(Path.Combine(dir, "missing.toml"))).Kind);
            Assert.Equal("TomlSyntax", Assert.Throws<TomlSyntaxException>(() => CipherProposal.Load(Write("bad.toml", "[[supported_cipher]]\nname = AES\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.Throws<SnekException>(() => CipherProposal.Load(Write("empty.toml", "# nothing\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.Throws<SnekException>(() => CipherProposal.Load(Write("nokeys.toml", "[[supported_cipher]]\nname = \"AES\"\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.Throws<SnekException>(() => CipherProposal.Load(Write("strkeys.toml", "[[supported_cipher]]\nname = \"AES\"\nkeys = [\"128\"]\n"))).ErrorId);
            Assert.Equal("LegacyUnknownCipher", Assert.Throws<SnekException>(() => CipherProposal.Load(Write("rot.toml", "[[supported_cipher]]\nname = \"ROT13\"\nkeys = [13]\n"))).ErrorId);
            Assert.Equal("LegacyUnknownCipher", Assert.Throws<SnekException>(() => CipherProposal.Load(Write("size.toml", "[[supported_cipher]]\nname = \"AES\"\nkeys = [100]\n"))).ErrorId);
            Assert.Equal("ProposedCiphers:AES:[128]", CipherProposal.Load(Write("case.toml", "[[supported_cipher]]\nname = \"aes\"\nkeys = [128]\n")).Format());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_FIFO_in_place_of_the_cipher_file_is_refused_without_blocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // FIFOs are a Unix matter; CI runs on Linux
        }

        string dir = Directory.CreateTempSubdirectory("snek-fifo-cipher-").FullName;
        try
        {
            string fifo = Path.Combine(dir, "server_cipher.toml");
            UnixFiles.MkFifo(fifo);
            Exception? e = UnixFiles.RunBounded(() => CipherProposal.Load(fifo), fifo, TimeSpan.FromSeconds(10));
            SnekException refused = Assert.IsType<SnekException>(e);
            Assert.Equal("LegacyBadCipherFile", refused.ErrorId);
            Assert.Contains("FIFO", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
