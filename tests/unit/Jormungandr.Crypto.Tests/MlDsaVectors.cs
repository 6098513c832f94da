using System.Text.Json;

namespace Jormungandr.Tests;

/// <summary>
/// Lazy, load-once access to the shared NIST ACVP ML-DSA vectors (../shared/vectors, see its README).
/// Each JSON file is parsed once per test run; cases are keyed by (vs, tcId) so theory names stay short.
/// </summary>
internal static class MlDsaVectors
{
    private static readonly Lazy<Dictionary<(string, int), JsonElement>> KeyGen = new(() => Load("mldsa-keygen.json"));
    private static readonly Lazy<Dictionary<(string, int), JsonElement>> SigGen = new(() => Load("mldsa-siggen.json"));
    private static readonly Lazy<Dictionary<(string, int), JsonElement>> SigVer = new(() => Load("mldsa-sigver.json"));

    public static JsonElement KeyGenCase(string vs, int tcId) => KeyGen.Value[(vs, tcId)];

    public static JsonElement SigGenCase(string vs, int tcId) => SigGen.Value[(vs, tcId)];

    public static JsonElement SigVerCase(string vs, int tcId) => SigVer.Value[(vs, tcId)];

    public static IReadOnlyCollection<JsonElement> AllKeyGen => KeyGen.Value.Values;

    public static IReadOnlyCollection<JsonElement> AllSigGen => SigGen.Value.Values;

    public static IReadOnlyCollection<JsonElement> AllSigVer => SigVer.Value.Values;

    public static IEnumerable<object[]> KeyGenKeys() => Keys(KeyGen);

    public static IEnumerable<object[]> SigGenKeys() => Keys(SigGen);

    public static IEnumerable<object[]> SigVerKeys() => Keys(SigVer);

    /// <summary>Hex field as bytes; null JSON gives null.</summary>
    public static byte[]? Bytes(JsonElement testCase, string field)
    {
        JsonElement e = testCase.GetProperty(field);
        return e.ValueKind == JsonValueKind.Null ? null : Convert.FromHexString(e.GetString()!);
    }

    /// <summary>Hex field that must be present.</summary>
    public static byte[] RequiredBytes(JsonElement testCase, string field) =>
        Bytes(testCase, field) ?? throw new InvalidOperationException($"vector field '{field}' is null");

    public static string? Text(JsonElement testCase, string field)
    {
        JsonElement e = testCase.GetProperty(field);
        return e.ValueKind == JsonValueKind.Null ? null : e.GetString();
    }

    private static IEnumerable<object[]> Keys(Lazy<Dictionary<(string, int), JsonElement>> set)
    {
        if (TestPaths.VectorsDirectory is null)
        {
            // The [Vectors*] attribute skips the test; one placeholder row keeps xunit from failing on empty data.
            yield return ["absent", 0];
            yield break;
        }

        foreach ((string vs, int tcId) in set.Value.Keys)
        {
            yield return [vs, tcId];
        }
    }

    private static Dictionary<(string, int), JsonElement> Load(string file)
    {
        string path = Path.Combine(TestPaths.VectorsDirectory ?? throw new InvalidOperationException("vectors absent"), file);
        using FileStream stream = File.OpenRead(path);
        using JsonDocument doc = JsonDocument.Parse(stream);
        var cases = new Dictionary<(string, int), JsonElement>();
        foreach (JsonElement tc in doc.RootElement.GetProperty("testCases").EnumerateArray())
        {
            // Clone detaches each case from the document so it can be disposed.
            cases.Add((tc.GetProperty("vs").GetString()!, tc.GetProperty("tcId").GetInt32()), tc.Clone());
        }

        return cases;
    }
}
