using System.Security.Cryptography;

namespace Jormungandr.Protocol;

/// <summary>One handshake's data keys: a reusable AEAD per direction, the send counter and the replay window.</summary>
internal sealed class KeyPair : IDisposable
{
    public KeyPair(SessionKeys keys, TimeSpan created)
    {
        LocalIndex = keys.LocalIndex;
        RemoteIndex = keys.RemoteIndex;
        IsInitiator = keys.IsInitiator;
        Created = created;
        Sender = new ChaCha20Poly1305(keys.SendKey);
        Receiver = new ChaCha20Poly1305(keys.ReceiveKey);
    }

    public uint LocalIndex { get; }

    public uint RemoteIndex { get; }

    public bool IsInitiator { get; }

    public TimeSpan Created { get; }

    /// <summary>When this pair stopped being current (for the grace period).</summary>
    public TimeSpan Replaced { get; set; }

    public ChaCha20Poly1305 Sender { get; }

    public ChaCha20Poly1305 Receiver { get; }

    /// <summary>Next counter to send.</summary>
    public ulong SendCounter;

    public ReplayWindow Window { get; } = new();

    public bool Disposed { get; private set; }

    public void Dispose()
    {
        Disposed = true;
        Sender.Dispose();
        Receiver.Dispose();
    }
}
