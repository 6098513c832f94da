using System.Text.Json;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>Every ML-DSA case of the NIST ACVP vectors (all parameter sets, every interface).</summary>
public sealed class MlDsaVectorTests
{
    public static IEnumerable<object[]> KeyGenCases() => MlDsaVectors.KeyGenKeys();

    public static IEnumerable<object[]> SigGenCases() => MlDsaVectors.SigGenKeys();

    public static IEnumerable<object[]> SigVerCases() => MlDsaVectors.SigVerKeys();

    // Guards against silently running fewer cases (a filtered or truncated vector file): the counts the
    // vectors README states for ML-DSA-65, and every interface/key-format/variant combination present.
    [VectorsFact]
    public void Vector_files_hold_every_ML_DSA_65_case_the_README_promises()
    {
        static int Count(IEnumerable<JsonElement> cases) => cases.Count(c => c.GetProperty("parameterSet").GetString() == "ML-DSA-65");
        Assert.Equal(25, Count(MlDsaVectors.AllKeyGen));
        Assert.Equal(360, Count(MlDsaVectors.AllSigGen));
        Assert.Equal(60, Count(MlDsaVectors.AllSigVer));
        var combinations = MlDsaVectors.AllSigGen
            .Select(c => (MlDsaVectors.Text(c, "signatureInterface"), MlDsaVectors.Text(c, "preHash"), c.GetProperty("externalMu").GetBoolean(), c.GetProperty("deterministic").GetBoolean(), MlDsaVectors.Text(c, "keyFormat")))
            .Distinct()
            .Count();
        Assert.Equal(16, combinations);
    }

    [VectorsTheory]
    [MemberData(nameof(KeyGenCases))]
    public void KeyGen_matches_ACVP(string vs, int tcId)
    {
        JsonElement tc = MlDsaVectors.KeyGenCase(vs, tcId);
        MlDsaParameterSet p = MlDsaParameterSet.FromName(tc.GetProperty("parameterSet").GetString()!);
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];

        MlDsaManaged.GenerateKey(p, MlDsaVectors.RequiredBytes(tc, "seed"), pk, sk);

        Assert.Equal(Convert.ToHexString(MlDsaVectors.RequiredBytes(tc, "pk")), Convert.ToHexString(pk));
        Assert.Equal(Convert.ToHexString(MlDsaVectors.RequiredBytes(tc, "sk")), Convert.ToHexString(sk));
        Assert.True(MlDsaManaged.KeyPairMatches(p, pk, sk));
    }

    [VectorsTheory]
    [MemberData(nameof(SigGenCases))]
    public void SigGen_matches_ACVP(string vs, int tcId)
    {
        JsonElement tc = MlDsaVectors.SigGenCase(vs, tcId);
        MlDsaParameterSet p = MlDsaParameterSet.FromName(tc.GetProperty("parameterSet").GetString()!);
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk;
        if (MlDsaVectors.Text(tc, "keyFormat") == "seed")
        {
            sk = new byte[p.SecretKeySize];
            MlDsaManaged.GenerateKey(p, MlDsaVectors.RequiredBytes(tc, "seed"), pk, sk);
        }
        else
        {
            sk = MlDsaVectors.RequiredBytes(tc, "sk");
            MlDsaManaged.DerivePublicKey(p, sk, pk);
            Assert.True(MlDsaManaged.KeyPairMatches(p, pk, sk));
        }

        byte[] rnd = MlDsaVectors.RequiredBytes(tc, "rnd");
        if (tc.GetProperty("deterministic").GetBoolean())
        {
            Assert.All(rnd, b => Assert.Equal(0, b));
        }

        byte[] signature = new byte[p.SignatureSize];
        string iface = MlDsaVectors.Text(tc, "signatureInterface")!;
        bool externalMu = tc.GetProperty("externalMu").GetBoolean();
        bool valid;
        if (iface == "external" && MlDsaVectors.Text(tc, "preHash") == "pure")
        {
            byte[] message = MlDsaVectors.RequiredBytes(tc, "message");
            byte[] context = MlDsaVectors.RequiredBytes(tc, "context");
            MlDsaManaged.Sign(p, sk, message, context, rnd, signature);
            valid = MlDsaManaged.Instance.Verify(p, pk, message, context, signature);
        }
        else if (iface == "external")
        {
            string hash = MlDsaVectors.Text(tc, "hashAlg")!;
            byte[] message = MlDsaVectors.RequiredBytes(tc, "message");
            byte[] context = MlDsaVectors.RequiredBytes(tc, "context");
            MlDsaManaged.SignPreHash(p, sk, hash, message, context, rnd, signature);
            valid = MlDsaManaged.VerifyPreHash(p, pk, hash, message, context, signature);
        }
        else if (externalMu)
        {
            byte[] mu = MlDsaVectors.RequiredBytes(tc, "mu");
            MlDsaManaged.SignExternalMu(p, sk, mu, rnd, signature);
            valid = MlDsaManaged.VerifyExternalMu(p, pk, mu, signature);
        }
        else
        {
            byte[] message = MlDsaVectors.RequiredBytes(tc, "message");
            MlDsaManaged.SignInternal(p, sk, message, rnd, signature);
            valid = MlDsaManaged.VerifyInternal(p, pk, message, signature);
        }

        Assert.Equal(Convert.ToHexString(MlDsaVectors.RequiredBytes(tc, "signature")), Convert.ToHexString(signature));
        Assert.True(valid, "our own verify must accept the ACVP signature");
    }

    [VectorsTheory]
    [MemberData(nameof(SigVerCases))]
    public void SigVer_matches_ACVP(string vs, int tcId)
    {
        JsonElement tc = MlDsaVectors.SigVerCase(vs, tcId);
        MlDsaParameterSet p = MlDsaParameterSet.FromName(tc.GetProperty("parameterSet").GetString()!);
        byte[] pk = MlDsaVectors.RequiredBytes(tc, "pk");
        byte[] signature = MlDsaVectors.RequiredBytes(tc, "signature");
        bool expected = tc.GetProperty("testPassed").GetBoolean();
        string iface = MlDsaVectors.Text(tc, "signatureInterface")!;
        bool actual;
        if (iface == "external" && MlDsaVectors.Text(tc, "preHash") == "pure")
        {
            actual = MlDsaManaged.Instance.Verify(p, pk, MlDsaVectors.RequiredBytes(tc, "message"), MlDsaVectors.RequiredBytes(tc, "context"), signature);
        }
        else if (iface == "external")
        {
            actual = MlDsaManaged.VerifyPreHash(p, pk, MlDsaVectors.Text(tc, "hashAlg")!, MlDsaVectors.RequiredBytes(tc, "message"), MlDsaVectors.RequiredBytes(tc, "context"), signature);
        }
        else if (tc.GetProperty("externalMu").GetBoolean())
        {
            actual = MlDsaManaged.VerifyExternalMu(p, pk, MlDsaVectors.RequiredBytes(tc, "mu"), signature);
        }
        else
        {
            actual = MlDsaManaged.VerifyInternal(p, pk, MlDsaVectors.RequiredBytes(tc, "message"), signature);
        }

        Assert.True(expected == actual, $"expected {(expected ? "valid" : "invalid")} ({MlDsaVectors.Text(tc, "reason")}), verify returned {actual}");
    }
}
