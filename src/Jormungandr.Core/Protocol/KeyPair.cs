using System.Security.Cryptography;
using Jormungandr.Crypto;

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
        SmallSender = new ChaCha20Poly1305Managed(keys.SendKey);
        SmallReceiver = new ChaCha20Poly1305Managed(keys.ReceiveKey);
    }

    /// <summary>
    /// Largest plaintext sealed and opened by the managed AEAD instead of OpenSSL's: below it OpenSSL's
    /// per-call overhead outweighs its vector code (bench/ AeadBenchmarks: equal at 256 bytes, managed
    /// 2.5x faster at 64), and for a lone packet on an idle thread (a ping) OpenSSL's code path costs
    /// ~25 µs cold against a few µs. Pings, TCP ACKs and keepalives take the small path.
    /// </summary>
    public const int SmallPlaintext = 256;

    public uint LocalIndex { get; }

    public uint RemoteIndex { get; }

    public bool IsInitiator { get; }

    public TimeSpan Created { get; }

    /// <summary>When this pair stopped being current (for the grace period).</summary>
    public TimeSpan Replaced { get; set; }

    public ChaCha20Poly1305 Sender { get; }

    public ChaCha20Poly1305 Receiver { get; }

    /// <summary>The same send key in the managed AEAD, for plaintexts up to <see cref="SmallPlaintext"/>.</summary>
    public ChaCha20Poly1305Managed SmallSender { get; }

    /// <summary>The same receive key in the managed AEAD, for plaintexts up to <see cref="SmallPlaintext"/>.</summary>
    public ChaCha20Poly1305Managed SmallReceiver { get; }

    /// <summary>Next counter to send.</summary>
    public ulong SendCounter;

    public ReplayWindow Window { get; } = new();

    public bool Disposed { get; private set; }

    public void Dispose()
    {
        Disposed = true;
        Sender.Dispose();
        Receiver.Dispose();
        SmallSender.Dispose();
        SmallReceiver.Dispose();
    }
}
