using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// Managed, allocation-free, constant-time ChaCha20-Poly1305 AEAD (RFC 8439). For a lone small packet
/// after the thread was idle, the platform's OpenSSL-backed <see cref="ChaCha20Poly1305"/> costs ~25 µs
/// cold (EVP/provider code footprint) against a few µs for this small scalar code, so the data path uses
/// it for small packets (pings, ACKs, keepalives) and keeps OpenSSL for large ones. Byte-for-byte
/// compatible with <see cref="ChaCha20Poly1305"/>; the argument order and length rules are the same.
/// Not thread-safe for Dispose racing with use; concurrent Encrypt/TryDecrypt calls are fine (no
/// mutable state besides the key).
/// </summary>
internal sealed class ChaCha20Poly1305Managed : IDisposable
{
    /// <summary>Key size in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>Nonce size in bytes.</summary>
    public const int NonceSize = 12;

    /// <summary>Tag size in bytes.</summary>
    public const int TagSize = 16;

    // Block counter 0 makes the Poly1305 key, so a 32-bit counter leaves 2^32 - 1 blocks of 64 bytes.
    // Unreachable with int-length spans today; kept (as a field, not a const the compiler would flag) so
    // the limit stays enforced if lengths ever widen.
    private static readonly long MaxMessageLength = (((long)1 << 32) - 1) * 64;

    private const uint Sigma0 = 0x61707865, Sigma1 = 0x3320646e, Sigma2 = 0x79622d32, Sigma3 = 0x6b206574;

    private readonly uint[] _key = new uint[8];
    private bool _disposed;

    /// <summary>Creates the AEAD with a 32-byte key (copied into a private array, zeroed by Dispose).</summary>
    /// <param name="key">The 256-bit key.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public ChaCha20Poly1305Managed(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            throw new ArgumentException($"ChaCha20-Poly1305 key must be {KeySize} bytes, got {key.Length}.", nameof(key));
        for (int i = 0; i < 8; i++)
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> and writes the 16-byte tag.
    /// The two buffers may be the very same span (in-place sealing) but must not otherwise overlap.
    /// </summary>
    /// <param name="nonce">12-byte nonce; never reuse one with the same key.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="ciphertext">Receives the encrypted message; same length as the plaintext.</param>
    /// <param name="tag">Receives the 16-byte authentication tag.</param>
    /// <param name="associatedData">Data authenticated but not encrypted.</param>
    /// <exception cref="ArgumentException">A length is wrong, or the buffers partially overlap.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext,
        Span<byte> tag, ReadOnlySpan<byte> associatedData = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Validate(nonce, plaintext, ciphertext, tag);

        Span<uint> block = stackalloc uint[16];
        Span<byte> scratch = stackalloc byte[64];
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        uint n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce.Slice(4));
        uint n2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce.Slice(8));

        Block(_key, 0, n0, n1, n2, block);
        var mac = new Poly1305(block);
        mac.UpdatePadded(associatedData);
        XorKeyStream(n0, n1, n2, plaintext, ciphertext, block, scratch, ref mac, macOutput: true);
        mac.Finish(associatedData.Length, ciphertext.Length, scratch, tag);

        mac = default;
        CryptographicOperations.ZeroMemory(MemoryMarshalBytes(block));
        CryptographicOperations.ZeroMemory(scratch);
    }

    /// <summary>
    /// Verifies the tag over the associated data and ciphertext first and, only if it matches, decrypts
    /// <paramref name="ciphertext"/> into <paramref name="plaintext"/> (which may be the very same span).
    /// A forged or corrupted datagram costs one MAC and no exception.
    /// </summary>
    /// <param name="nonce">12-byte nonce used to encrypt.</param>
    /// <param name="ciphertext">The encrypted message.</param>
    /// <param name="tag">The 16-byte authentication tag.</param>
    /// <param name="plaintext">Receives the message; same length as the ciphertext. Cleared on failure.</param>
    /// <param name="associatedData">Data authenticated but not encrypted.</param>
    /// <returns><see langword="true"/> if the tag is valid and the plaintext was written.</returns>
    /// <exception cref="ArgumentException">A length is wrong, or the buffers partially overlap.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag,
        Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Validate(nonce, ciphertext, plaintext, tag);

        Span<uint> block = stackalloc uint[16];
        Span<byte> scratch = stackalloc byte[64];
        Span<byte> expected = stackalloc byte[TagSize];
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        uint n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce.Slice(4));
        uint n2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce.Slice(8));

        Block(_key, 0, n0, n1, n2, block);
        var mac = new Poly1305(block);
        mac.UpdatePadded(associatedData);
        mac.UpdatePadded(ciphertext);
        mac.Finish(associatedData.Length, ciphertext.Length, scratch, expected);
        bool valid = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);

        if (valid)
        {
            XorKeyStream(n0, n1, n2, ciphertext, plaintext, block, scratch, ref mac, macOutput: false);
        }
        else
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        mac = default;
        CryptographicOperations.ZeroMemory(MemoryMarshalBytes(block));
        CryptographicOperations.ZeroMemory(scratch);
        return valid;
    }

    /// <summary>Zeroes the key; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        CryptographicOperations.ZeroMemory(MemoryMarshalBytes(_key));
        _disposed = true;
    }

    private static void Validate(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, ReadOnlySpan<byte> output, ReadOnlySpan<byte> tag)
    {
        if (nonce.Length != NonceSize)
            throw new ArgumentException($"ChaCha20-Poly1305 nonce must be {NonceSize} bytes, got {nonce.Length}.", nameof(nonce));
        if (tag.Length != TagSize)
            throw new ArgumentException($"ChaCha20-Poly1305 tag must be {TagSize} bytes, got {tag.Length}.", nameof(tag));
        if (input.Length != output.Length)
            throw new ArgumentException("Plaintext and ciphertext must have the same length.", nameof(output));
        if (input.Length > MaxMessageLength)
            throw new ArgumentException("Message is too long for a 32-bit ChaCha20 block counter.", nameof(input));
        // Same span is fine (block-wise read-before-write); a shifted overlap would read bytes already written.
        if (input.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException("Plaintext and ciphertext buffers must be identical or not overlap.", nameof(output));
    }

    private static Span<byte> MemoryMarshalBytes(Span<uint> words) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(words);

    /// <summary>XORs the ChaCha20 key stream (counter from 1) into output; optionally MACs the output.</summary>
    private void XorKeyStream(uint n0, uint n1, uint n2, ReadOnlySpan<byte> input, Span<byte> output,
        Span<uint> block, Span<byte> scratch, ref Poly1305 mac, bool macOutput)
    {
        uint counter = 1;
        int offset = 0;
        while (input.Length - offset >= 64)
        {
            Block(_key, counter++, n0, n1, n2, block);
            ReadOnlySpan<byte> src = input.Slice(offset, 64);
            Span<byte> dst = output.Slice(offset, 64);
            // Each word of input is read before the same word of output is written: safe in place.
            for (int j = 0; j < 16; j++)
                BinaryPrimitives.WriteUInt32LittleEndian(dst.Slice(4 * j),
                    BinaryPrimitives.ReadUInt32LittleEndian(src.Slice(4 * j)) ^ block[j]);
            if (macOutput)
                mac.UpdatePadded(dst);
            offset += 64;
        }

        int rest = input.Length - offset;
        if (rest > 0)
        {
            Block(_key, counter, n0, n1, n2, block);
            for (int j = 0; j < 16; j++)
                BinaryPrimitives.WriteUInt32LittleEndian(scratch.Slice(4 * j), block[j]);
            ReadOnlySpan<byte> src = input.Slice(offset, rest);
            Span<byte> dst = output.Slice(offset, rest);
            for (int i = 0; i < rest; i++)
                dst[i] = (byte)(src[i] ^ scratch[i]);
            if (macOutput)
                mac.UpdatePadded(dst);
        }
    }

    /// <summary>The ChaCha20 block function (RFC 8439 §2.3): 20 rounds, then add the input state.</summary>
    private static void Block(uint[] key, uint counter, uint n0, uint n1, uint n2, Span<uint> output)
    {
        uint k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3], k4 = key[4], k5 = key[5], k6 = key[6], k7 = key[7];
        uint x0 = Sigma0, x1 = Sigma1, x2 = Sigma2, x3 = Sigma3;
        uint x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
        uint x12 = counter, x13 = n0, x14 = n1, x15 = n2;

        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        output[15] = x15 + n2;
        output[0] = x0 + Sigma0;
        output[1] = x1 + Sigma1;
        output[2] = x2 + Sigma2;
        output[3] = x3 + Sigma3;
        output[4] = x4 + k0;
        output[5] = x5 + k1;
        output[6] = x6 + k2;
        output[7] = x7 + k3;
        output[8] = x8 + k4;
        output[9] = x9 + k5;
        output[10] = x10 + k6;
        output[11] = x11 + k7;
        output[12] = x12 + counter;
        output[13] = x13 + n0;
        output[14] = x14 + n1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }

    /// <summary>
    /// Poly1305 (RFC 8439 §2.5) with five 26-bit limbs and 64-bit products (poly1305-donna-32 layout).
    /// Only whole 16-byte blocks are fed: the AEAD zero-pads AD and ciphertext to 16 bytes anyway, so every
    /// block carries the 2^128 bit. No branch or index depends on key, message or tag, only on lengths.
    /// </summary>
    private struct Poly1305
    {
        private const uint Mask26 = 0x3ffffff;
        private uint _r0, _r1, _r2, _r3, _r4;
        private uint _s1, _s2, _s3, _s4;
        private uint _h0, _h1, _h2, _h3, _h4;
        private uint _pad0, _pad1, _pad2, _pad3;

        /// <summary>Keys from the first 8 words of ChaCha20 block 0: r (clamped) = words 0-3, s = words 4-7.</summary>
        public Poly1305(ReadOnlySpan<uint> key)
        {
            uint t0 = key[0], t1 = key[1], t2 = key[2], t3 = key[3];
            // The masks split r into 26-bit limbs and apply the clamp r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
            _r0 = t0 & 0x3ffffff;
            _r1 = ((t0 >> 26) | (t1 << 6)) & 0x3ffff03;
            _r2 = ((t1 >> 20) | (t2 << 12)) & 0x3ffc0ff;
            _r3 = ((t2 >> 14) | (t3 << 18)) & 0x3f03fff;
            _r4 = (t3 >> 8) & 0x00fffff;
            _s1 = _r1 * 5;
            _s2 = _r2 * 5;
            _s3 = _r3 * 5;
            _s4 = _r4 * 5;
            _h0 = _h1 = _h2 = _h3 = _h4 = 0;
            _pad0 = key[4];
            _pad1 = key[5];
            _pad2 = key[6];
            _pad3 = key[7];
        }

        /// <summary>MACs data followed by zero padding to a multiple of 16 bytes (pad16).</summary>
        public void UpdatePadded(ReadOnlySpan<byte> data)
        {
            while (data.Length >= 16)
            {
                ProcessBlock(data);
                data = data.Slice(16);
            }
            if (data.Length > 0)
            {
                Span<byte> last = stackalloc byte[16];
                last.Clear();
                data.CopyTo(last);
                ProcessBlock(last);
                CryptographicOperations.ZeroMemory(last);
            }
        }

        /// <summary>MACs le64(AD length) ‖ le64(ciphertext length) and writes the 16-byte tag.</summary>
        public void Finish(long associatedDataLength, long ciphertextLength, Span<byte> scratch, Span<byte> tag)
        {
            Span<byte> lengths = scratch.Slice(0, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)associatedDataLength);
            BinaryPrimitives.WriteUInt64LittleEndian(lengths.Slice(8), (ulong)ciphertextLength);
            ProcessBlock(lengths);

            uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;

            // Fully carry h.
            uint c = h1 >> 26; h1 &= Mask26;
            h2 += c; c = h2 >> 26; h2 &= Mask26;
            h3 += c; c = h3 >> 26; h3 &= Mask26;
            h4 += c; c = h4 >> 26; h4 &= Mask26;
            h0 += c * 5; c = h0 >> 26; h0 &= Mask26;
            h1 += c;

            // g = h + 5 - 2^130; pick g if it did not borrow (h >= p), else h: by masks, not branches.
            uint g0 = h0 + 5; c = g0 >> 26; g0 &= Mask26;
            uint g1 = h1 + c; c = g1 >> 26; g1 &= Mask26;
            uint g2 = h2 + c; c = g2 >> 26; g2 &= Mask26;
            uint g3 = h3 + c; c = g3 >> 26; g3 &= Mask26;
            uint g4 = h4 + c - (1u << 26);

            uint mask = (g4 >> 31) - 1; // all ones if g4 did not go negative
            g0 &= mask; g1 &= mask; g2 &= mask; g3 &= mask; g4 &= mask;
            mask = ~mask;
            h0 = (h0 & mask) | g0;
            h1 = (h1 & mask) | g1;
            h2 = (h2 & mask) | g2;
            h3 = (h3 & mask) | g3;
            h4 = (h4 & mask) | g4;

            // h mod 2^128, as four 32-bit words.
            h0 = h0 | (h1 << 26);
            h1 = (h1 >> 6) | (h2 << 20);
            h2 = (h2 >> 12) | (h3 << 14);
            h3 = (h3 >> 18) | (h4 << 8);

            // tag = (h + s) mod 2^128.
            ulong f = (ulong)h0 + _pad0; h0 = (uint)f;
            f = (ulong)h1 + _pad1 + (f >> 32); h1 = (uint)f;
            f = (ulong)h2 + _pad2 + (f >> 32); h2 = (uint)f;
            f = (ulong)h3 + _pad3 + (f >> 32); h3 = (uint)f;

            BinaryPrimitives.WriteUInt32LittleEndian(tag, h0);
            BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(4), h1);
            BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(8), h2);
            BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(12), h3);
        }

        /// <summary>h = (h + block + 2^128) * r mod 2^130 - 5, for one full 16-byte block.</summary>
        private void ProcessBlock(ReadOnlySpan<byte> m)
        {
            uint t0 = BinaryPrimitives.ReadUInt32LittleEndian(m);
            uint t1 = BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(4));
            uint t2 = BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(8));
            uint t3 = BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(12));

            ulong h0 = _h0 + (t0 & Mask26);
            ulong h1 = _h1 + (((t0 >> 26) | (t1 << 6)) & Mask26);
            ulong h2 = _h2 + (((t1 >> 20) | (t2 << 12)) & Mask26);
            ulong h3 = _h3 + (((t2 >> 14) | (t3 << 18)) & Mask26);
            ulong h4 = _h4 + ((t3 >> 8) | (1u << 24));

            ulong r0 = _r0, r1 = _r1, r2 = _r2, r3 = _r3, r4 = _r4;
            ulong s1 = _s1, s2 = _s2, s3 = _s3, s4 = _s4;

            ulong d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
            ulong d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
            ulong d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
            ulong d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
            ulong d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

            ulong c = d0 >> 26; uint n0 = (uint)d0 & Mask26;
            d1 += c; c = d1 >> 26; uint n1 = (uint)d1 & Mask26;
            d2 += c; c = d2 >> 26; uint n2 = (uint)d2 & Mask26;
            d3 += c; c = d3 >> 26; uint n3 = (uint)d3 & Mask26;
            d4 += c; c = d4 >> 26; uint n4 = (uint)d4 & Mask26;
            n0 += (uint)c * 5; uint c2 = n0 >> 26; n0 &= Mask26;
            n1 += c2;

            _h0 = n0; _h1 = n1; _h2 = n2; _h3 = n3; _h4 = n4;
        }
    }
}
