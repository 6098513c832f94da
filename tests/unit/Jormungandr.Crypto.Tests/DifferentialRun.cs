using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Jormungandr.Tests;

/// <summary>
/// Inputs and failure reports of one randomized differential test. Every input comes from a generator
/// seeded by one base seed (fresh per process, or fixed by <see cref="SeedVariable"/>) mixed with the
/// test's label, and every failure names the label, the case and the seed to replay it with.
/// </summary>
internal sealed class DifferentialRun
{
    /// <summary>Set it to the seed a failure printed to replay exactly that run.</summary>
    public const string SeedVariable = "JORMUNGANDR_DIFFERENTIAL_SEED";

    private static readonly Lazy<int> BaseSeed = new(() =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
            ? seed
            : RandomNumberGenerator.GetInt32(int.MaxValue));

    private readonly Random _random;
    private readonly string _label;
    private readonly List<string> _notes = [];
    private int _case;

    /// <summary>Starts a run and writes its seed to the test output, so a passing log records it too.</summary>
    public DifferentialRun(string label, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _label = label;
        _random = new Random(Mix(Seed, label));
        output.WriteLine($"{label}: seed {Seed} (replay with {SeedVariable}={Seed})");
    }

    /// <summary>The base seed of this process.</summary>
    public static int Seed => BaseSeed.Value;

    /// <summary>The case being run, shown in failure messages; setting it forgets the previous case's notes.</summary>
    public int Case
    {
        get => _case;
        set
        {
            _case = value;
            _notes.Clear();
        }
    }

    /// <summary>Where a failure happened, how to replay it, and the noted inputs of the case.</summary>
    public string Where =>
        $"{_label}, case {Case} (replay with {SeedVariable}={Seed})" + string.Concat(_notes.Select(n => Environment.NewLine + n));

    /// <summary>
    /// Records an input that the seed cannot replay (drawn from an operating-system or library random source),
    /// so a failure message carries it in hex.
    /// </summary>
    public void Note(string name, ReadOnlySpan<byte> value) => _notes.Add($"{name} = {Convert.ToHexString(value)}");

    /// <summary>Random bytes.</summary>
    public byte[] Bytes(int length)
    {
        byte[] bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A random integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => _random.Next(min, maxExclusive);

    /// <summary>Flips one random bit of a non-empty buffer in place and returns its index.</summary>
    public int FlipBit(byte[] buffer) => FlipBit(buffer, 0, buffer.Length);

    /// <summary>Flips one random bit of bytes [from, to) in place and returns its index in the buffer.</summary>
    public int FlipBit(byte[] buffer, int from, int to)
    {
        int bit = _random.Next(from * 8, to * 8);
        buffer[bit / 8] ^= (byte)(1 << (bit % 8));
        return bit;
    }

    /// <summary>Fails, naming the case and seed, unless the two byte strings are equal.</summary>
    public void Same(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        int first = expected.CommonPrefixLength(actual);
        throw new XunitException($"{what}: differs from byte {first} ({expected.Length} and {actual.Length} bytes); {Where}");
    }

    /// <summary>Fails, naming the case and seed, when the condition does not hold.</summary>
    public void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new XunitException($"{what}; {Where}");
        }
    }

    // FNV-1a over the label: string.GetHashCode is randomized per process, which would defeat replay.
    private static int Mix(int seed, string label)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(label))
        {
            hash = (hash ^ b) * 16777619;
        }

        return seed ^ (int)hash;
    }
}
