using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

public class CipherNegotiationTests
{
    private static CipherProposal P(string text) => CipherProposal.Parse(text).Validate();

    [Theory]
    [InlineData("ProposedCiphers:AES:[256]")]
    [InlineData("ProposedCiphers:AES:[128,192,256]")]
    [InlineData("ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448],DES3:[192]")]
    [InlineData("ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448],DES:[56]")]
    public void Proposal_round_trips(string text) => Assert.Equal(text, CipherProposal.Parse(text).Format());

    [Fact]
    public void Proposal_tolerates_spaces_and_a_trailing_newline()
    {
        Assert.Equal("ProposedCiphers:AES:[128,256],DES:[56]", CipherProposal.Parse("ProposedCiphers: AES : [128, 256] , DES:[56]\n").Format());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ProposedCipher:AES:[128]")]
    [InlineData("ProposedCiphers:")]
    [InlineData("ProposedCiphers:AES[128]")]
    [InlineData("ProposedCiphers:AES:[]")]
    [InlineData("ProposedCiphers:AES:[128")]
    [InlineData("ProposedCiphers:AES:[128,]")]
    [InlineData("ProposedCiphers:AES:[abc]")]
    [InlineData("ProposedCiphers:AES:[1234567]")]
    [InlineData("ProposedCiphers:AES:[128]x")]
    [InlineData("ProposedCiphers:AES:[128],")]
    [InlineData("ProposedCiphers:AES:[128],AES:[256]")]
    [InlineData("ProposedCiphers:A\u00c9S:[128]")]
    public void Malformed_proposals_are_rejected(string text)
    {
        SnekException ex = Assert.Throws<SnekException>(() => CipherProposal.Parse(text));
        Assert.Equal("LegacyBadProposal", ex.ErrorId);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Fact]
    public void Oversized_proposal_is_rejected_before_parsing()
    {
        string text = "ProposedCiphers:AES:[" + string.Join(",", Enumerable.Repeat("128", 2000)) + "]";
        SnekException ex = Assert.Throws<SnekException>(() => CipherProposal.Parse(text));
        Assert.Equal("LegacyBadProposal", ex.ErrorId);
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ProposedCiphers:ROT13:[128]")]
    [InlineData("ProposedCiphers:AES:[100]")]
    [InlineData("ProposedCiphers:Blowfish:[452]")]
    [InlineData("ProposedCiphers:Blowfish:[24]")]
    [InlineData("ProposedCiphers:Blowfish:[36]")]
    [InlineData("ProposedCiphers:DES3:[56]")]
    [InlineData("ProposedCiphers:DES:[64]")]
    public void Unknown_names_and_sizes_fail_validation(string text)
    {
        SnekException ex = Assert.Throws<SnekException>(() => CipherProposal.Parse(text).Validate());
        Assert.Equal("LegacyUnknownCipher", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public void Valid_key_sizes_are_exactly_the_documented_ones()
    {
        int[] all = Enumerable.Range(0, 600).ToArray();
        Assert.Equal([128, 192, 256], all.Where(k => CipherSuite.IsValidKeySize("AES", k)));
        Assert.Equal(Enumerable.Range(4, 53).Select(i => i * 8), all.Where(k => CipherSuite.IsValidKeySize("Blowfish", k)));
        Assert.Equal([112, 128, 168, 192], all.Where(k => CipherSuite.IsValidKeySize("DES3", k)));
        Assert.Equal([56], all.Where(k => CipherSuite.IsValidKeySize("DES", k)));
    }

    [Theory]
    // Cases from the course's select_cipher tests: longest common key wins.
    [InlineData("ProposedCiphers:AES:[128]", "AES", 128)]
    [InlineData("ProposedCiphers:AES:[256],Blowfish:[224,448]", "Blowfish", 448)]
    [InlineData("ProposedCiphers:AES:[128,256],Blowfish:[112,224]", "AES", 256)]
    // Ties go to AES, then Blowfish, then DES3, whatever the order written.
    [InlineData("ProposedCiphers:DES3:[192],Blowfish:[192],AES:[192]", "AES", 192)]
    [InlineData("ProposedCiphers:DES3:[192],Blowfish:[192]", "Blowfish", 192)]
    [InlineData("ProposedCiphers:DES3:[128],DES:[56]", "DES3", 128)]
    public void Server_picks_the_longest_common_key(string supported, string name, int bits)
    {
        CipherProposal proposed = P("ProposedCiphers:DES:[56],AES:[128,192,256],Blowfish:[112,192,224,448],DES3:[128,192]");
        Assert.Equal(new CipherSuite(name, bits), CipherNegotiation.Select(P(supported), proposed));
        Assert.Equal(new CipherSuite(name, bits), CipherNegotiation.Select(proposed, P(supported)));
    }

    [Theory]
    [InlineData("ProposedCiphers:AES:[128]", "ProposedCiphers:AES:[256]")]
    [InlineData("ProposedCiphers:AES:[256],Blowfish:[224,448]", "ProposedCiphers:DES:[56]")]
    [InlineData("ProposedCiphers:AES:[128,256],Blowfish:[112,224]", "ProposedCiphers:Blowfish:[448]")]
    public void No_overlap_is_the_original_error(string supported, string proposed)
    {
        SnekException ex = Assert.Throws<SnekException>(() => CipherNegotiation.Select(P(supported), P(proposed)));
        Assert.Equal("LegacyNoCommonCipher", ex.ErrorId);
        Assert.Equal("Could not agree on a cipher", ex.Message);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Theory]
    [InlineData("AES", 128, "ChosenCipher:AES,128")]
    [InlineData("Blowfish", 224, "ChosenCipher:Blowfish,224")]
    [InlineData("DES", 56, "ChosenCipher:DES,56")]
    public void Choice_uses_a_comma(string name, int bits, string wire) =>
        Assert.Equal(wire, CipherNegotiation.FormatChoice(new CipherSuite(name, bits)));

    [Theory]
    [InlineData("ChosenCipher:AES,256", "AES", 256)]
    [InlineData("ChosenCipher:AES:256", "AES", 256)]
    [InlineData("ChosenCipher:Blowfish,224\n", "Blowfish", 224)]
    [InlineData("ChosenCipher:DES,56", "DES", 56)]
    public void Client_accepts_comma_and_colon_forms(string wire, string name, int bits)
    {
        CipherProposal proposed = P("ProposedCiphers:AES:[128,256],Blowfish:[224],DES:[56]");
        Assert.Equal(new CipherSuite(name, bits), CipherNegotiation.ParseChoice(wire, proposed));
    }

    [Theory]
    [InlineData("ChosenCipher:AES,192")]
    [InlineData("ChosenCipher:AES")]
    [InlineData("ChosenCipher:ROT13,128")]
    [InlineData("Chosen:AES,128")]
    [InlineData("ChosenCipher:AES,-128")]
    public void Client_rejects_bad_or_unproposed_choices(string wire)
    {
        CipherProposal proposed = P("ProposedCiphers:AES:[128,256]");
        SnekException ex = Assert.Throws<SnekException>(() => CipherNegotiation.ParseChoice(wire, proposed));
        Assert.Equal("LegacyBadChoice", ex.ErrorId);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Fact]
    public void Client_reports_could_not_agree()
    {
        SnekException ex = Assert.Throws<SnekException>(() => CipherNegotiation.ParseChoice("Could not agree on a cipher", CipherProposal.DefaultClient));
        Assert.Equal("LegacyNoCommonCipher", ex.ErrorId);
        Assert.Equal("Could not agree on a cipher", ex.Message);
    }

    [Fact]
    public void Choice_completeness_waits_for_possible_longer_sizes()
    {
        CipherProposal proposed = P("ProposedCiphers:Blowfish:[40,400],AES:[128]");
        Assert.False(CipherNegotiation.IsCompleteChoice("ChosenCipher:Blowfish,40"u8, proposed));
        Assert.True(CipherNegotiation.IsCompleteChoice("ChosenCipher:Blowfish,400"u8, proposed));
        Assert.True(CipherNegotiation.IsCompleteChoice("ChosenCipher:AES,128"u8, proposed));
        Assert.False(CipherNegotiation.IsCompleteChoice("ChosenCipher:AES,12"u8, proposed));
        Assert.True(CipherNegotiation.IsCompleteChoice("Could not agree on a cipher"u8, proposed));
    }
}
