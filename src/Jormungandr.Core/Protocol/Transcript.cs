using System.Security.Cryptography;
using System.Text;

namespace Jormungandr.Protocol;

/// <summary>The running SHA-256 over the handshake plaintext (docs/protocol.md §6); snapshots are th1..th4.</summary>
internal sealed class Transcript : IDisposable
{
    public const int HashSize = 32;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public Transcript()
    {
        _hash.AppendData(Encoding.ASCII.GetBytes(ProtocolConstants.TranscriptPrologue));
    }

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    /// <summary>Digest of everything appended so far; the transcript continues.</summary>
    public byte[] Snapshot()
    {
        byte[] digest = new byte[HashSize];
        _hash.GetCurrentHash(digest);
        return digest;
    }

    public void Dispose() => _hash.Dispose();
}
