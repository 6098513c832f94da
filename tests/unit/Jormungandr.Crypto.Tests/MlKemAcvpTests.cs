using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>Every ML-KEM case of the NIST ACVP vectors (all three parameter sets), byte-exact.</summary>
public class MlKemAcvpTests
{
    [VectorsTheory]
    [MemberData(nameof(MlKemVectors.KeyGenCases), MemberType = typeof(MlKemVectors))]
    public void KeyGen_matches_ACVP(string vs, int tcId)
    {
        MlKemVectors.Case c = MlKemVectors.KeyGen(vs, tcId);
        MlKemParameterSet p = c.Parameters;
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];

        MlKemManaged.GenerateKey(p, c.Bytes("d"), c.Bytes("z"), ek, dk);

        Assert.Equal(c.String("ek"), Convert.ToHexString(ek));
        Assert.Equal(c.String("dk"), Convert.ToHexString(dk));
    }

    [VectorsTheory]
    [MemberData(nameof(MlKemVectors.EncapCases), MemberType = typeof(MlKemVectors))]
    public void Encaps_matches_ACVP_and_Decaps_recovers_the_key(string vs, int tcId)
    {
        MlKemVectors.Case c = MlKemVectors.Encap(vs, tcId);
        MlKemParameterSet p = c.Parameters;
        byte[] ct = new byte[p.CiphertextSize];
        byte[] k = new byte[32];

        MlKemManaged.Encapsulate(p, c.Bytes("ek"), c.Bytes("m"), ct, k);

        Assert.Equal(c.String("c"), Convert.ToHexString(ct));
        Assert.Equal(c.String("k"), Convert.ToHexString(k));

        byte[] k2 = new byte[32];
        MlKemManaged.Instance.Decapsulate(p, c.Bytes("dk"), ct, k2);
        Assert.Equal(c.String("k"), Convert.ToHexString(k2));
    }

    [VectorsTheory]
    [MemberData(nameof(MlKemVectors.DecapCases), MemberType = typeof(MlKemVectors))]
    public void Decaps_matches_ACVP_including_implicit_rejection(string vs, int tcId)
    {
        MlKemVectors.Case c = MlKemVectors.Decap(vs, tcId);
        MlKemParameterSet p = c.Parameters;
        byte[] dk;
        if (c.String("keyFormat") == "seed")
        {
            // The key is given as its seed (d, z): expand it, and check the expansion against the given dk.
            dk = new byte[p.DecapsulationKeySize];
            MlKemManaged.GenerateKey(p, c.Bytes("d"), c.Bytes("z"), new byte[p.EncapsulationKeySize], dk);
            Assert.Equal(c.String("dk"), Convert.ToHexString(dk));
        }
        else
        {
            Assert.Equal("expanded", c.String("keyFormat"));
            dk = c.Bytes("dk");
        }

        byte[] ct = c.Bytes("c");
        byte[] k = new byte[32];
        MlKemManaged.Instance.Decapsulate(p, dk, ct, k);
        Assert.Equal(c.String("k"), Convert.ToHexString(k));

        if (c.Bool("implicitRejection"))
        {
            // The expected key must be exactly J(z ‖ c) = SHAKE256(z ‖ c, 32), z being dk's last 32 bytes.
            byte[] zc = [.. dk.AsSpan(dk.Length - 32).ToArray(), .. ct];
            byte[] rejection = new byte[32];
            Keccak.Shake256(zc, rejection);
            Assert.Equal(Convert.ToHexString(rejection), Convert.ToHexString(k));
        }
    }

    [VectorsTheory]
    [MemberData(nameof(MlKemVectors.KeyCheckCases), MemberType = typeof(MlKemVectors))]
    public void Input_checks_match_ACVP(string vs, int tcId)
    {
        MlKemVectors.Case c = MlKemVectors.KeyCheck(vs, tcId);
        MlKemParameterSet p = c.Parameters;
        bool expected = c.Bool("testPassed");
        switch (c.String("function"))
        {
            case "encapsulationKeyCheck":
                byte[] ek = c.Bytes("ek");
                Assert.Equal(expected, MlKemManaged.CheckEncapsulationKey(p, ek));
                if (!expected)
                {
                    Assert.Throws<System.Security.Cryptography.CryptographicException>(
                        () => MlKemManaged.Encapsulate(p, ek, new byte[32], new byte[p.CiphertextSize], new byte[32]));
                }

                break;
            case "decapsulationKeyCheck":
                byte[] dk = c.Bytes("dk");
                Assert.Equal(expected, MlKemManaged.CheckDecapsulationKey(p, dk));
                if (!expected)
                {
                    Assert.Throws<System.Security.Cryptography.CryptographicException>(
                        () => MlKemManaged.Instance.Decapsulate(p, dk, new byte[p.CiphertextSize], new byte[32]));
                }

                break;
            default:
                Assert.Fail($"unknown function {c.String("function")}");
                break;
        }
    }
}
