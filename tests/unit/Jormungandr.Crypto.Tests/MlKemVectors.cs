using System.Text.Json;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>
/// The shared NIST ACVP ML-KEM vectors (../shared/vectors, see its README), each file parsed once and
/// indexed by (vs, tcId), so MemberData can yield short keys and a test looks its case up.
/// </summary>
internal static class MlKemVectors
{
    private static readonly Lazy<Dictionary<(string Vs, int TcId), JsonElement>> KeyGenFile = new(() => Load("mlkem-keygen.json"));
    private static readonly Lazy<Dictionary<(string Vs, int TcId), JsonElement>> EncapFile = new(() => Load("mlkem-encap.json"));
    private static readonly Lazy<Dictionary<(string Vs, int TcId), JsonElement>> DecapFile = new(() => Load("mlkem-decap.json"));
    private static readonly Lazy<Dictionary<(string Vs, int TcId), JsonElement>> KeyCheckFile = new(() => Load("mlkem-keycheck.json"));

    public static TheoryData<string, int> KeyGenCases() => Keys(KeyGenFile);

    public static TheoryData<string, int> EncapCases() => Keys(EncapFile);

    public static TheoryData<string, int> DecapCases() => Keys(DecapFile);

    public static TheoryData<string, int> KeyCheckCases() => Keys(KeyCheckFile);

    public static Case KeyGen(string vs, int tcId) => new(KeyGenFile.Value[(vs, tcId)]);

    public static Case Encap(string vs, int tcId) => new(EncapFile.Value[(vs, tcId)]);

    public static Case Decap(string vs, int tcId) => new(DecapFile.Value[(vs, tcId)]);

    public static Case KeyCheck(string vs, int tcId) => new(KeyCheckFile.Value[(vs, tcId)]);

    private static TheoryData<string, int> Keys(Lazy<Dictionary<(string Vs, int TcId), JsonElement>> file)
    {
        var data = new TheoryData<string, int>();
        if (TestPaths.VectorsDirectory is null)
        {
            return data; // the [VectorsTheory] skips with the reason; nothing to enumerate
        }

        foreach ((string vs, int tcId) in file.Value.Keys)
        {
            data.Add(vs, tcId);
        }

        return data;
    }

    private static Dictionary<(string Vs, int TcId), JsonElement> Load(string name)
    {
        string dir = TestPaths.VectorsDirectory ?? throw new InvalidOperationException("NIST ACVP vectors folder not found.");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, name)));
        var cases = new Dictionary<(string Vs, int TcId), JsonElement>();
        foreach (JsonElement tc in doc.RootElement.GetProperty("testCases").EnumerateArray())
        {
            cases.Add((tc.GetProperty("vs").GetString()!, tc.GetProperty("tcId").GetInt32()), tc.Clone());
        }

        return cases;
    }

    /// <summary>One test case: typed accessors over its JSON fields.</summary>
    internal readonly struct Case(JsonElement element)
    {
        public MlKemParameterSet Parameters => MlKemParameterSet.FromName(String("parameterSet"));

        public byte[] Bytes(string field) => Convert.FromHexString(String(field));

        public string String(string field) =>
            element.GetProperty(field).GetString() ?? throw new InvalidOperationException($"field '{field}' is null in this case");

        public bool Bool(string field) => element.GetProperty(field).GetBoolean();
    }
}
