using Jormungandr.Commands;
using Jormungandr.Legacy;
using Jormungandr.Toml;

namespace Jormungandr.Tests;

/// <summary>
/// The course's cipher files, read through Tomlyn (TOML 1.1) with the cipher schema on top. What the
/// former hand-written reader refused falls in three groups, each tested below: still a syntax error;
/// now valid TOML that the schema refuses at its position (a key or type the file has no use for);
/// now valid TOML that is accepted because it means the same cipher list (other TOML spellings).
/// </summary>
public class CipherFileTests
{
    private static CipherProposal Parse(string text) => CipherProposal.Parse(text, "test.toml");

    private const string Aes = "[[supported_cipher]]\nname = \"AES\"\n";

    [Fact]
    public void Reads_the_course_cipher_file_shape()
    {
        CipherProposal proposal = Parse("""
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
        Assert.Equal("ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448]", proposal.Format());
    }

    [Theory]
    [InlineData("[\"a\\")]
    [InlineData("[[supported_cipher]]\nname = \"AES\"\n[\"x\\")]
    public void A_backslash_at_the_end_of_a_quoted_key_is_a_syntax_error_not_a_parser_crash(string text)
    {
        // Tomlyn's lexer throws ArgumentOutOfRangeException describing this escape (found by the toml fuzz target).
        TomlFileException ex = Assert.Throws<TomlFileException>(() => Parse(text));
        Assert.Equal("TomlSyntax", ex.ErrorId);
        Assert.Equal(text.Split('\n').Length, ex.Line);
    }

    [Fact]
    public void Tables_remember_where_they_were_written()
    {
        TomlSection root = TomlText.Parse("# c\n[[supported_cipher]]\nname = \"AES\"\n\n[[supported_cipher]]\nname = \"DES\"\n", "t.toml", CipherProposal.FileErrors);
        IReadOnlyList<TomlSection> tables = root.Tables("supported_cipher")!;
        Assert.Equal(new TomlLocation(2, 1), tables[0].Location);
        Assert.Equal(new TomlLocation(5, 1), tables[1].Location);
        Assert.Equal(new TomlLocation(3, 8), tables[0].LocationOf("name"));
    }

    // Not TOML at all: Tomlyn's parser refuses these, with the position of the offending token.
    [Theory]
    [InlineData("keys = [1, 2", 1, 13, "closing `]`")]
    [InlineData("name = \"open", 1, 12, "End-Of-File")]
    [InlineData("a = 1 b = 2", 1, 7, "newline")]
    [InlineData("[[supported_cipher]]\nname = \"AES\"\nname = \"DES\"", 3, 1, "already defined")]
    [InlineData("[t]\nx = 1\n[t]\ny = 2", 3, 1, "already defined")]
    [InlineData("[t]\n[[t]]", 2, 1, "already defined")]
    [InlineData("a = 012", 1, 5, "leading zero")]
    [InlineData("a = 99999999999999999999", 1, 5, "Unable to parse integer")]
    [InlineData("= 1", 1, 1, "Unexpected token")]
    [InlineData("a = \"\\q\"", 1, 7, "escape")]
    [InlineData("a = 1__0", 1, 7, "underscore")]
    [InlineData("[[supported_cipher]]\nname = AES\n", 2, 8, "")]
    public void Malformed_TOML_is_a_syntax_error_with_line_and_column(string text, int line, int column, string why)
    {
        TomlFileException ex = Assert.Throws<TomlFileException>(() => Parse(text));
        Assert.Equal("TomlSyntax", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"test.toml:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    // Valid TOML 1.1 the former reader refused by construction. A cipher file has no use for these
    // keys or types, so the schema refuses them, still naming the place.
    [Theory]
    [InlineData(Aes + "keys = [128]\nfast = true", 4, 1, "unknown key 'fast'")]
    [InlineData(Aes + "keys = [1.5]", 3, 9, "must be an integer, not a float")]
    [InlineData(Aes + "keys = [1979-05-27]", 3, 9, "not a date-time")]
    [InlineData(Aes + "keys = { bits = 128 }", 3, 8, "must be an array, not a table")]
    [InlineData(Aes + "keys = [[128], [256]]", 3, 9, "not an array")]
    [InlineData(Aes + "keys = [true]", 3, 9, "not a boolean")]
    [InlineData(Aes + "keys.bits = 128", 3, 1, "must be an array, not a table")]
    [InlineData("[supported_cipher.x]\nname = \"AES\"", 1, 1, "must be an array of tables")]
    [InlineData("supported_cipher = 1", 1, 20, "must be an array of tables")]
    [InlineData("title = \"x\"\n" + Aes + "keys = [128]", 1, 1, "unknown key 'title'")]
    [InlineData("[[supported_cipher]]\nname = 7\nkeys = [128]", 2, 8, "must be a string")]
    [InlineData(Aes + "keys = [\"128\"]", 3, 9, "must be an integer, not a string")]
    [InlineData(Aes + "keys = [0]", 3, 9, "from 1 to 100000")]
    [InlineData(Aes + "keys = []", 3, 8, "non-empty")]
    [InlineData(Aes, 1, 1, "needs a non-empty integer array 'keys'")]
    [InlineData("# nothing\n", 1, 1, "at least one [[supported_cipher]]")]
    public void Valid_TOML_that_is_no_cipher_list_is_refused_at_its_place(string text, int line, int column, string why)
    {
        TomlFileException ex = Assert.Throws<TomlFileException>(() => Parse(text));
        Assert.Equal("LegacyBadCipherFile", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.StartsWith($"test.toml:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    // Valid TOML that says the same cipher list in other spellings: accepted, since the file means
    // exactly what the course's format means (the former reader refused these only because it was small).
    [Theory]
    [InlineData("keys = [0x80, 0o300, 0b100000000]")]
    [InlineData("keys = [1_2_8, 192, 256]")]
    [InlineData("keys = [+128, 192, 256]")]
    public void Other_integer_spellings_are_the_same_key_sizes(string keys)
    {
        Assert.Equal("ProposedCiphers:AES:[128,192,256]", Parse(Aes + keys).Format());
    }

    [Theory]
    [InlineData("name = \"\"\"AES\"\"\"")]
    [InlineData("name = '''AES'''")]
    [InlineData("\"name\" = \"AES\"")]
    [InlineData("name = \"\\u0041ES\"")]
    [InlineData("name = \"\\x41ES\"")]
    public void Other_string_spellings_name_the_same_cipher(string name)
    {
        Assert.Equal("ProposedCiphers:AES:[128]", Parse("[[supported_cipher]]\n" + name + "\nkeys = [128]").Format());
    }

    [Fact]
    public void An_inline_array_of_tables_is_the_same_file()
    {
        Assert.Equal("ProposedCiphers:AES:[128],DES:[56]", Parse("supported_cipher = [{ name = \"AES\", keys = [128] }, { name = \"DES\", keys = [56] }]").Format());
    }

    [Fact]
    public void TOML_1_1_escape_e_is_valid_text_but_no_cipher_name()
    {
        // "\e" (ESC) is new in TOML 1.1: it parses, and the cipher name it makes is unknown.
        SnekException ex = Assert.Throws<SnekException>(() => Parse("[[supported_cipher]]\nname = \"AES\\e\"\nkeys = [128]"));
        Assert.Equal("LegacyUnknownCipher", ex.ErrorId);
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

            Assert.Equal("LegacyCipherFileNotFound", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Path.Combine(dir, "missing.toml"))).ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Path.Combine(dir, "missing.toml"))).Kind);
            Assert.Equal("TomlSyntax", Assert.Throws<TomlFileException>(() => CipherProposal.Load(Write("bad.toml", "[[supported_cipher]]\nname = AES\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Write("empty.toml", "# nothing\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Write("nokeys.toml", "[[supported_cipher]]\nname = \"AES\"\n"))).ErrorId);
            Assert.Equal("LegacyBadCipherFile", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Write("strkeys.toml", "[[supported_cipher]]\nname = \"AES\"\nkeys = [\"128\"]\n"))).ErrorId);
            Assert.Equal("LegacyUnknownCipher", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Write("rot.toml", "[[supported_cipher]]\nname = \"ROT13\"\nkeys = [13]\n"))).ErrorId);
            Assert.Equal("LegacyUnknownCipher", Assert.ThrowsAny<SnekException>(() => CipherProposal.Load(Write("size.toml", "[[supported_cipher]]\nname = \"AES\"\nkeys = [100]\n"))).ErrorId);
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
