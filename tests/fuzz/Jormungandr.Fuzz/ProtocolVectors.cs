using System.Text.Json;

namespace Jormungandr.Fuzz;

/// <summary>
/// docs/protocol-vectors.json (embedded at build time): the identities, the four handshake messages and
/// the data datagrams that the handshake and data targets treat as the genuine ones.
/// </summary>
internal sealed class ProtocolVectors
{
    private static readonly Lazy<ProtocolVectors> Loaded = new(Load);

    private ProtocolVectors(JsonElement root)
    {
        InitiatorSeed = root.GetProperty("initiator_random_seed").GetString()!;
        ResponderSeed = root.GetProperty("responder_random_seed").GetString()!;
        InitiatorName = root.GetProperty("initiator_identity_name").GetString()!;
        ResponderName = root.GetProperty("responder_identity_name").GetString()!;
        InitiatorIndex = root.GetProperty("initiator_index").GetUInt32();
        ResponderIndex = root.GetProperty("responder_index").GetUInt32();
        JsonElement m = root.GetProperty("messages");
        Initiation = Hex(m, "initiation");
        Response = Hex(m, "response");
        Authentication = Hex(m, "authentication");
        Confirmation = Hex(m, "confirmation");
        ConfirmationPayload = Hex(m, "confirmation_payload");
        JsonElement s = root.GetProperty("secrets");
        InitiatorToResponderKey = Hex(s, "k_i2r");
        ResponderToInitiatorKey = Hex(s, "k_r2i");
        InitiatorPublicKey = Hex(root, "initiator_public_key");
        ResponderPublicKey = Hex(root, "responder_public_key");
        var datagrams = new List<IReadOnlyList<byte[]>>();
        foreach (JsonElement packet in root.GetProperty("data_packets").EnumerateArray())
        {
            if (packet.GetProperty("description").GetString()!.StartsWith("initiator to responder", StringComparison.Ordinal))
            {
                datagrams.Add([.. packet.GetProperty("datagrams").EnumerateArray().Select(d => Convert.FromHexString(d.GetString()!))]);
            }
        }

        InitiatorDatagrams = datagrams;
    }

    /// <summary>The vectors, parsed once per process.</summary>
    public static ProtocolVectors Instance => Loaded.Value;

    public string InitiatorSeed { get; }

    public string ResponderSeed { get; }

    public string InitiatorName { get; }

    public string ResponderName { get; }

    public uint InitiatorIndex { get; }

    public uint ResponderIndex { get; }

    public byte[] Initiation { get; }

    public byte[] Response { get; }

    public byte[] Authentication { get; }

    public byte[] Confirmation { get; }

    public byte[] ConfirmationPayload { get; }

    public byte[] InitiatorToResponderKey { get; }

    public byte[] ResponderToInitiatorKey { get; }

    public byte[] InitiatorPublicKey { get; }

    public byte[] ResponderPublicKey { get; }

    /// <summary>The initiator-to-responder packets, each as its datagrams in order.</summary>
    public IReadOnlyList<IReadOnlyList<byte[]>> InitiatorDatagrams { get; }

    private static ProtocolVectors Load()
    {
        using Stream stream = typeof(ProtocolVectors).Assembly.GetManifestResourceStream("protocol-vectors.json")
            ?? throw new InvalidOperationException("protocol-vectors.json is not embedded in the fuzz assembly.");
        using JsonDocument doc = JsonDocument.Parse(stream);
        return new ProtocolVectors(doc.RootElement);
    }

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);
}
