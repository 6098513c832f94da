using System.Numerics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Jormungandr.Crypto;

/// <summary>
/// Keccak-f[1600] sponge (FIPS 202) with incremental absorb and squeeze. The platform's SHAKE on
/// OpenSSL 3.0 cannot squeeze incrementally, which ML-KEM's and ML-DSA's rejection samplers need.
/// A mutable struct so a sponge lives on the stack; copy it only on purpose (e.g. to fork a prefix).
/// </summary>
public struct Keccak
{
    /// <summary>Rate of SHAKE128 in bytes.</summary>
    public const int Shake128Rate = 168;
    /// <summary>Rate of SHAKE256 in bytes.</summary>
    public const int Shake256Rate = 136;
    /// <summary>Rate of SHA3-256 in bytes.</summary>
    public const int Sha3_256Rate = 136;
    /// <summary>Rate of SHA3-512 in bytes.</summary>
    public const int Sha3_512Rate = 72;

    private const byte ShakePad = 0x1F;
    private const byte Sha3Pad = 0x06;

    private StateBuffer _state;
    private readonly int _rate;
    private readonly byte _pad;
    private int _offset;
    private bool _squeezing;

    [InlineArray(25)]
    private struct StateBuffer
    {
        private ulong _element0;
    }

    private Keccak(int rate, byte pad)
    {
        _rate = rate;
        _pad = pad;
        _offset = 0;
        _squeezing = false;
    }

    /// <summary>A fresh SHAKE128 sponge.</summary>
    public static Keccak Shake128() => new(Shake128Rate, ShakePad);

    /// <summary>A fresh SHAKE256 sponge.</summary>
    public static Keccak Shake256() => new(Shake256Rate, ShakePad);

    /// <summary>A fresh SHA3-256 sponge (squeeze 32 bytes after absorbing).</summary>
    public static Keccak Sha3_256() => new(Sha3_256Rate, Sha3Pad);

    /// <summary>A fresh SHA3-512 sponge (squeeze 64 bytes after absorbing).</summary>
    public static Keccak Sha3_512() => new(Sha3_512Rate, Sha3Pad);

    /// <summary>Absorbs more input. Throws once squeezing has started.</summary>
    public void Absorb(ReadOnlySpan<byte> data)
    {
        if (_squeezing)
        {
            throw new InvalidOperationException("Keccak: cannot absorb after squeezing has started.");
        }

        Span<byte> state = StateBytes();
        while (data.Length > 0)
        {
            int take = Math.Min(_rate - _offset, data.Length);
            Span<byte> lane = state.Slice(_offset, take);
            for (int i = 0; i < take; i++)
            {
                lane[i] ^= data[i];
            }

            _offset += take;
            data = data[take..];
            if (_offset == _rate)
            {
                Permute();
                _offset = 0;
            }
        }
    }

    /// <summary>Squeezes output; may be called repeatedly to continue the stream.</summary>
    public void Squeeze(Span<byte> output)
    {
        if (!_squeezing)
        {
            Span<byte> s = StateBytes();
            s[_offset] ^= _pad;
            s[_rate - 1] ^= 0x80;
            Permute();
            _offset = 0;
            _squeezing = true;
        }

        while (output.Length > 0)
        {
            if (_offset == _rate)
            {
                Permute();
                _offset = 0;
            }

            int take = Math.Min(_rate - _offset, output.Length);
            StateBytes().Slice(_offset, take).CopyTo(output);
            _offset += take;
            output = output[take..];
        }
    }

    /// <summary>Overwrites the sponge state with zeros.</summary>
    public void Clear()
    {
        ((Span<ulong>)_state).Clear();
        _offset = 0;
    }

    /// <summary>One-shot SHAKE128.</summary>
    public static void Shake128(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Keccak k = Shake128();
        k.Absorb(input);
        k.Squeeze(output);
        k.Clear();
    }

    /// <summary>One-shot SHAKE256.</summary>
    public static void Shake256(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Keccak k = Shake256();
        k.Absorb(input);
        k.Squeeze(output);
        k.Clear();
    }

    /// <summary>One-shot SHA3-256 into a 32-byte destination.</summary>
    public static void Sha3_256(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Keccak k = Sha3_256();
        k.Absorb(input);
        k.Squeeze(output[..32]);
        k.Clear();
    }

    /// <summary>One-shot SHA3-512 into a 64-byte destination.</summary>
    public static void Sha3_512(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Keccak k = Sha3_512();
        k.Absorb(input);
        k.Squeeze(output[..64]);
        k.Clear();
    }

    [UnscopedRef]
    private Span<byte> StateBytes()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Keccak lanes are laid out little-endian.");
        }

        return System.Runtime.InteropServices.MemoryMarshal.AsBytes((Span<ulong>)_state);
    }

    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808AUL, 0x8000000080008000UL,
        0x000000000000808BUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008AUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000AUL,
        0x000000008000808BUL, 0x800000000000008BUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800AUL, 0x800000008000000AUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    private void Permute() => Permute(_state);

    // Straight-line Keccak-f[1600]: theta, rho+pi, chi, iota, on 25 locals. No data-dependent branches.
    private static void Permute(Span<ulong> a)
    {
        ulong a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3], a04 = a[4];
        ulong a05 = a[5], a06 = a[6], a07 = a[7], a08 = a[8], a09 = a[9];
        ulong a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14];
        ulong a15 = a[15], a16 = a[16], a17 = a[17], a18 = a[18], a19 = a[19];
        ulong a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];
        ReadOnlySpan<ulong> rc = RoundConstants;

        for (int round = 0; round < 24; round++)
        {
            ulong c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
            ulong c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
            ulong c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
            ulong c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
            ulong c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
            ulong d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            ulong d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            ulong d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            ulong d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            ulong d4 = c3 ^ BitOperations.RotateLeft(c0, 1);

            // rho and pi: b[y, 2x+3y] = rot(a[x, y] ^ d[x], r[x, y]).
            ulong b00 = a00 ^ d0;
            ulong b10 = BitOperations.RotateLeft(a01 ^ d1, 1);
            ulong b20 = BitOperations.RotateLeft(a02 ^ d2, 62);
            ulong b05 = BitOperations.RotateLeft(a03 ^ d3, 28);
            ulong b15 = BitOperations.RotateLeft(a04 ^ d4, 27);
            ulong b16 = BitOperations.RotateLeft(a05 ^ d0, 36);
            ulong b01 = BitOperations.RotateLeft(a06 ^ d1, 44);
            ulong b11 = BitOperations.RotateLeft(a07 ^ d2, 6);
            ulong b21 = BitOperations.RotateLeft(a08 ^ d3, 55);
            ulong b06 = BitOperations.RotateLeft(a09 ^ d4, 20);
            ulong b07 = BitOperations.RotateLeft(a10 ^ d0, 3);
            ulong b17 = BitOperations.RotateLeft(a11 ^ d1, 10);
            ulong b02 = BitOperations.RotateLeft(a12 ^ d2, 43);
            ulong b12 = BitOperations.RotateLeft(a13 ^ d3, 25);
            ulong b22 = BitOperations.RotateLeft(a14 ^ d4, 39);
            ulong b23 = BitOperations.RotateLeft(a15 ^ d0, 41);
            ulong b08 = BitOperations.RotateLeft(a16 ^ d1, 45);
            ulong b18 = BitOperations.RotateLeft(a17 ^ d2, 15);
            ulong b03 = BitOperations.RotateLeft(a18 ^ d3, 21);
            ulong b13 = BitOperations.RotateLeft(a19 ^ d4, 8);
            ulong b14 = BitOperations.RotateLeft(a20 ^ d0, 18);
            ulong b24 = BitOperations.RotateLeft(a21 ^ d1, 2);
            ulong b09 = BitOperations.RotateLeft(a22 ^ d2, 61);
            ulong b19 = BitOperations.RotateLeft(a23 ^ d3, 56);
            ulong b04 = BitOperations.RotateLeft(a24 ^ d4, 14);

            // chi, row by row (index = x + 5y), then iota.
            a00 = b00 ^ (~b01 & b02) ^ rc[round];
            a01 = b01 ^ (~b02 & b03);
            a02 = b02 ^ (~b03 & b04);
            a03 = b03 ^ (~b04 & b00);
            a04 = b04 ^ (~b00 & b01);
            a05 = b05 ^ (~b06 & b07);
            a06 = b06 ^ (~b07 & b08);
            a07 = b07 ^ (~b08 & b09);
            a08 = b08 ^ (~b09 & b05);
            a09 = b09 ^ (~b05 & b06);
            a10 = b10 ^ (~b11 & b12);
            a11 = b11 ^ (~b12 & b13);
            a12 = b12 ^ (~b13 & b14);
            a13 = b13 ^ (~b14 & b10);
            a14 = b14 ^ (~b10 & b11);
            a15 = b15 ^ (~b16 & b17);
            a16 = b16 ^ (~b17 & b18);
            a17 = b17 ^ (~b18 & b19);
            a18 = b18 ^ (~b19 & b15);
            a19 = b19 ^ (~b15 & b16);
            a20 = b20 ^ (~b21 & b22);
            a21 = b21 ^ (~b22 & b23);
            a22 = b22 ^ (~b23 & b24);
            a23 = b23 ^ (~b24 & b20);
            a24 = b24 ^ (~b20 & b21);
        }

        a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03; a[4] = a04;
        a[5] = a05; a[6] = a06; a[7] = a07; a[8] = a08; a[9] = a09;
        a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14;
        a[15] = a15; a[16] = a16; a[17] = a17; a[18] = a18; a[19] = a19;
        a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
    }
}
