using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>
/// Self-contained known answers (no shared vectors needed), stored as SHA-256 digests of the outputs.
/// </summary>
public class MlKemKnownAnswerTests
{
    /// <summary>
    /// Source: NIST ACVP, vs "ML-KEM-keyGen-FIPS203", tgId 3, tcId 51 (ML-KEM-1024), from the shared vectors
    /// (ACVP-Server v1.1.0.43); digests are SHA-256 of the expected ek and dk of that case.
    /// </summary>
    [Fact]
    public void KeyGen_matches_ACVP_keyGen_tcId_51_digests()
    {
        var p = MlKemParameterSet.MlKem1024;
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        MlKemManaged.GenerateKey(
            p,
            Convert.FromHexString("F3A706FAF090C03DB506863AB0B20BD8A1627956318E88C67EB875E8E7266009"),
            Convert.FromHexString("35D2BC43DD1CC879F765BF2A0C5E297889DDE910E57E2BB0EAE417B90AB7A275"),
            ek,
            dk);

        Assert.Equal("B78619E4FCEEEB86DEE3FEDB945ECA6DA61DAE312771EF8FA871951D391BD7B6", Convert.ToHexString(SHA256.HashData(ek)));
        Assert.Equal("925ED6F1CF0379EDE29D8209432D6E08C73ED0423883FEBF85416343F4FA1F86", Convert.ToHexString(SHA256.HashData(dk)));
    }

    /// <summary>
    /// Source: computed independently with @noble/post-quantum 0.7.1 (keygen(d ‖ z), encapsulate(ek, m),
    /// decapsulate of c with its first byte XOR 1) for d = 00..1F, z = 20..3F, m = 40..5F.
    /// Columns: SHA-256(ek), SHA-256(dk), SHA-256(c), K, implicit-rejection K for the tampered c.
    /// </summary>
    [Theory]
    [InlineData("ML-KEM-512",
        "3AE268DCCC5456AC0D0F9B39257DC48FE081383B97C400512D712B739762DAEE",
        "17FB29B8C4BAF74FB81EEA15FFD583B3E37F5A5B8DCF6DB96C72C3B3751D6F17",
        "81EFE667826848514DCAE46FC10CFD34F7B95ED6900E094F727C9E7CCCC34DF2",
        "14CACE3E48771B316676AFAD2CFCFE8488DAAA4FAD954E57236CAA3F24A42CF7",
        "32EE1FB3F7BD2915218E9C1B2D0D2DA88F0EDCE6804278BAB3A6123C5BB64FC4")]
    [InlineData("ML-KEM-768",
        "0B7934C83125C788995E2BA6BD761E33046B3E40571BE53E023309A29F398CC9",
        "DAC268BDE6A8DD238E9887117D6B664E7A7A9350AD6B7C08A948E504809572A5",
        "DBF4E9AA48B078AD46EC1C9C47BDA8C2D2FEC9D0E7A21BD48D2238A2ABEDB856",
        "9CDDD089FFE70E3996E76F7C8D06746DF34D07E8657BC0FCF2BB0E1C3084AEA1",
        "DCFC80C6DB46FF7028E3A4398651C063AE7A42C107A6DC8CB07141861698AB92")]
    [InlineData("ML-KEM-1024",
        "C7B8FA0AA471D5AE18922D6CCAD5B31E1D84F92AE723ABFD13747018740A8530",
        "3A2A676C5A242EE683CB6097C8F3E64FBEF4D90267F9250EC2BEAB8F99621FAD",
        "7C89743960F7C3D17BB69572E49DE14FE0990C9113A0706963A8F4C7B39AFCDF",
        "0AD8D1EA1B8DD788979B4379581218DF9321BDCE5567ECA42AE6BE7D395F1A54",
        "8F2C880890996C587AA500CF8B6DA03372DE706A9F96075744BB0956EA6FBAAC")]
    public void Matches_noble_post_quantum_for_fixed_seeds(string set, string ekDigest, string dkDigest, string ctDigest, string k, string rejection)
    {
        var p = MlKemParameterSet.FromName(set);
        byte[] d = Sequence(0x00);
        byte[] z = Sequence(0x20);
        byte[] m = Sequence(0x40);
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        byte[] ct = new byte[p.CiphertextSize];
        byte[] ss = new byte[32];

        MlKemManaged.GenerateKey(p, d, z, ek, dk);
        MlKemManaged.Encapsulate(p, ek, m, ct, ss);

        Assert.Equal(ekDigest, Convert.ToHexString(SHA256.HashData(ek)));
        Assert.Equal(dkDigest, Convert.ToHexString(SHA256.HashData(dk)));
        Assert.Equal(ctDigest, Convert.ToHexString(SHA256.HashData(ct)));
        Assert.Equal(k, Convert.ToHexString(ss));

        byte[] decapsulated = new byte[32];
        MlKemManaged.Instance.Decapsulate(p, dk, ct, decapsulated);
        Assert.Equal(k, Convert.ToHexString(decapsulated));

        ct[0] ^= 1;
        MlKemManaged.Instance.Decapsulate(p, dk, ct, decapsulated);
        Assert.Equal(rejection, Convert.ToHexString(decapsulated));
    }

    private static byte[] Sequence(int start)
    {
        byte[] b = new byte[32];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (byte)(start + i);
        }

        return b;
    }
}
