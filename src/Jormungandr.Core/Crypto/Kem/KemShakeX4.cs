using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// Four SHAKE128 or SHAKE256 instances side by side, one per 64-bit lane of 25 <see cref="Vector256{T}"/>
/// registers, for four entries of the public matrix Â or four noise polynomials at once (as the AVX2
/// Kyber code does). Only absorbs one short seed (&lt; one block) and squeezes whole blocks: exactly
/// what SampleNTT and the PRF need. Produces the same bytes as <see cref="Keccak"/> (tested).
/// Lane-wise bit operations only, so as constant-time as the scalar sponge.
/// </summary>
internal struct KemShakeX4
{
    /// <summary>True when the 4-way sponge can run (AVX2).</summary>
    public static bool IsSupported => Avx2.IsSupported;

    private State _state;
    private int _rate;

    [InlineArray(25)]
    private struct State
    {
        private Vector256<ulong> _element0;
    }

    /// <summary>
    /// Starts four SHAKE instances of the given rate (<see cref="Keccak.Shake128Rate"/> or
    /// <see cref="Keccak.Shake256Rate"/>), absorbing seed i (shorter than the rate) into instance i, padded.
    /// </summary>
    public void Absorb(int rate, ReadOnlySpan<byte> seed0, ReadOnlySpan<byte> seed1, ReadOnlySpan<byte> seed2, ReadOnlySpan<byte> seed3)
    {
        _rate = rate;
        Span<ulong> blocks = stackalloc ulong[4 * (Keccak.Shake128Rate / 8)];
        Span<byte> bytes = MemoryMarshal.AsBytes(blocks)[..(4 * rate)];
        bytes.Clear();
        Pad(seed0, bytes[..rate]);
        Pad(seed1, bytes.Slice(rate, rate));
        Pad(seed2, bytes.Slice(2 * rate, rate));
        Pad(seed3, bytes.Slice(3 * rate, rate));
        int lanes = rate / 8;
        for (int i = 0; i < 25; i++)
        {
            _state[i] = i < lanes
                ? Vector256.Create(blocks[i], blocks[lanes + i], blocks[(2 * lanes) + i], blocks[(3 * lanes) + i])
                : Vector256<ulong>.Zero;
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(blocks));
    }

    /// <summary>Overwrites the four states with zeros (after squeezing secret noise).</summary>
    public void Clear() => ((Span<Vector256<ulong>>)_state).Clear();

    /// <summary>Permutes, then writes the next block of each instance (one rate's worth of bytes each).</summary>
    public void SqueezeBlock(Span<byte> out0, Span<byte> out1, Span<byte> out2, Span<byte> out3)
    {
        int rate = _rate;
        Permute(_state);
        Span<ulong> o0 = MemoryMarshal.Cast<byte, ulong>(out0[..rate]);
        Span<ulong> o1 = MemoryMarshal.Cast<byte, ulong>(out1[..rate]);
        Span<ulong> o2 = MemoryMarshal.Cast<byte, ulong>(out2[..rate]);
        Span<ulong> o3 = MemoryMarshal.Cast<byte, ulong>(out3[..rate]);
        for (int i = 0; i < rate / 8; i++)
        {
            Vector256<ulong> v = _state[i];
            o0[i] = v.GetElement(0);
            o1[i] = v.GetElement(1);
            o2[i] = v.GetElement(2);
            o3[i] = v.GetElement(3);
        }
    }

    private static void Pad(ReadOnlySpan<byte> seed, Span<byte> block)
    {
        seed.CopyTo(block);
        block[seed.Length] ^= 0x1F;
        block[^1] ^= 0x80;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rol(Vector256<ulong> x, [ConstantExpected] byte n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, n) : Vector256.ShiftLeft(x, n) | Vector256.ShiftRightLogical(x, 64 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Chi(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c) => a ^ Vector256.AndNot(c, b);

    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808AUL, 0x8000000080008000UL,
        0x000000000000808BUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008AUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000AUL,
        0x000000008000808BUL, 0x800000000000008BUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800AUL, 0x800000008000000AUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    // The same straight-line Keccak-f[1600] as Keccak.Permute, lane-wise on four states.
    private static void Permute(Span<Vector256<ulong>> a)
    {
        Vector256<ulong> a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3], a04 = a[4];
        Vector256<ulong> a05 = a[5], a06 = a[6], a07 = a[7], a08 = a[8], a09 = a[9];
        Vector256<ulong> a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14];
        Vector256<ulong> a15 = a[15], a16 = a[16], a17 = a[17], a18 = a[18], a19 = a[19];
        Vector256<ulong> a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];
        ReadOnlySpan<ulong> rc = RoundConstants;

        for (int round = 0; round < 24; round++)
        {
            Vector256<ulong> c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
            Vector256<ulong> c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
            Vector256<ulong> c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
            Vector256<ulong> c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
            Vector256<ulong> c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
            Vector256<ulong> d0 = c4 ^ Rol(c1, 1);
            Vector256<ulong> d1 = c0 ^ Rol(c2, 1);
            Vector256<ulong> d2 = c1 ^ Rol(c3, 1);
            Vector256<ulong> d3 = c2 ^ Rol(c4, 1);
            Vector256<ulong> d4 = c3 ^ Rol(c0, 1);

            Vector256<ulong> b00 = a00 ^ d0;
            Vector256<ulong> b10 = Rol(a01 ^ d1, 1);
            Vector256<ulong> b20 = Rol(a02 ^ d2, 62);
            Vector256<ulong> b05 = Rol(a03 ^ d3, 28);
            Vector256<ulong> b15 = Rol(a04 ^ d4, 27);
            Vector256<ulong> b16 = Rol(a05 ^ d0, 36);
            Vector256<ulong> b01 = Rol(a06 ^ d1, 44);
            Vector256<ulong> b11 = Rol(a07 ^ d2, 6);
            Vector256<ulong> b21 = Rol(a08 ^ d3, 55);
            Vector256<ulong> b06 = Rol(a09 ^ d4, 20);
            Vector256<ulong> b07 = Rol(a10 ^ d0, 3);
            Vector256<ulong> b17 = Rol(a11 ^ d1, 10);
            Vector256<ulong> b02 = Rol(a12 ^ d2, 43);
            Vector256<ulong> b12 = Rol(a13 ^ d3, 25);
            Vector256<ulong> b22 = Rol(a14 ^ d4, 39);
            Vector256<ulong> b23 = Rol(a15 ^ d0, 41);
            Vector256<ulong> b08 = Rol(a16 ^ d1, 45);
            Vector256<ulong> b18 = Rol(a17 ^ d2, 15);
            Vector256<ulong> b03 = Rol(a18 ^ d3, 21);
            Vector256<ulong> b13 = Rol(a19 ^ d4, 8);
            Vector256<ulong> b14 = Rol(a20 ^ d0, 18);
            Vector256<ulong> b24 = Rol(a21 ^ d1, 2);
            Vector256<ulong> b09 = Rol(a22 ^ d2, 61);
            Vector256<ulong> b19 = Rol(a23 ^ d3, 56);
            Vector256<ulong> b04 = Rol(a24 ^ d4, 14);

            a00 = Chi(b00, b01, b02) ^ Vector256.Create(rc[round]);
            a01 = Chi(b01, b02, b03);
            a02 = Chi(b02, b03, b04);
            a03 = Chi(b03, b04, b00);
            a04 = Chi(b04, b00, b01);
            a05 = Chi(b05, b06, b07);
            a06 = Chi(b06, b07, b08);
            a07 = Chi(b07, b08, b09);
            a08 = Chi(b08, b09, b05);
            a09 = Chi(b09, b05, b06);
            a10 = Chi(b10, b11, b12);
            a11 = Chi(b11, b12, b13);
            a12 = Chi(b12, b13, b14);
            a13 = Chi(b13, b14, b10);
            a14 = Chi(b14, b10, b11);
            a15 = Chi(b15, b16, b17);
            a16 = Chi(b16, b17, b18);
            a17 = Chi(b17, b18, b19);
            a18 = Chi(b18, b19, b15);
            a19 = Chi(b19, b15, b16);
            a20 = Chi(b20, b21, b22);
            a21 = Chi(b21, b22, b23);
            a22 = Chi(b22, b23, b24);
            a23 = Chi(b23, b24, b20);
            a24 = Chi(b24, b20, b21);
        }

        a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03; a[4] = a04;
        a[5] = a05; a[6] = a06; a[7] = a07; a[8] = a08; a[9] = a09;
        a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14;
        a[15] = a15; a[16] = a16; a[17] = a17; a[18] = a18; a[19] = a19;
        a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
    }
}
