using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>Random bytes into every parser: only <see cref="ProtocolException"/> (or a clean false/drop), and bounded allocation.</summary>
public class ParserFuzzTests
{
    private static readonly Lazy<Transcript4> Recorded = new(() => new HandshakeHarness("fuzz").Run());

    /// <summary>Random lengths around the real message sizes, plus fully random short inputs.</summary>
    private static Arbitrary<byte[]> Messages()
    {
        Gen<int> lengths = Gen.OneOf(
            Gen.Choose(0, 64),
            Gen.Elements(HandshakeMessages.InitiationSize, HandshakeMessages.ResponseSize, HandshakeMessages.AuthenticationSize, 26, 30, 1050, 1051),
            Gen.Choose(0, 9000));
        Gen<byte[]> gen =
            from length in lengths
            from seed in Gen.Choose(int.MinValue, int.MaxValue)
            from version in Gen.Elements<byte>(2, 2, 2, 0, 1, 0xFF)
            from type in Gen.Choose(0, 7)
            select Build(length, seed, version, (byte)type);
        return gen.ToArbitrary();

        static byte[] Build(int length, int seed, byte version, byte type)
        {
            byte[] b = new byte[length];
            new Random(seed).NextBytes(b);
            if (length > 1)
            {
                b[0] = version;
                b[1] = type;
            }

            if (length > 3 && seed % 3 != 0)
            {
                b[2] = 0;
                b[3] = 0;
            }

            return b;
        }
    }

    private static bool OnlyProtocolException(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (ProtocolException)
        {
            return true;
        }
    }

    [Fact]
    public void Message_parsers_throw_only_ProtocolException_and_allocate_nothing()
    {
        Prop.ForAll(Messages(), (byte[] m) =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool ok = OnlyProtocolException(() => HandshakeMessages.PeekType(m))
                && OnlyProtocolException(() => HandshakeMessages.ParseInitiation(m))
                && OnlyProtocolException(() => HandshakeMessages.ParseResponse(m))
                && OnlyProtocolException(() => HandshakeMessages.ParseAuthentication(m))
                && OnlyProtocolException(() => HandshakeMessages.ParseConfirmation(m))
                && OnlyProtocolException(() => KeyChannelFraming.ReadLength(m));
            DataPacket.TryReadHeader(m, out _, out _);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // The only allocations are the exceptions themselves (a few KB at most), never the input size.
            return ok && allocated < 6 * 4096;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Handshake_state_machines_refuse_random_messages_with_ProtocolException()
    {
        Transcript4 t = Recorded.Value;
        var config = Config.QuickThrowOnFailure.WithMaxTest(40);
        Check.One(config, Prop.ForAll(Messages(), (byte[] m) =>
        {
            var h = new HandshakeHarness("fuzz");
            using ResponderHandshake r = h.NewResponder();
            using InitiatorHandshake i = h.NewInitiator();
            i.CreateInitiation();
            return Throws(() => r.ProcessInitiation(m), allowSuccess: m.Length == HandshakeMessages.InitiationSize)
                && Throws(() => i.ProcessResponse(m), allowSuccess: false);
        }));

        // Random bytes in the right shape (valid header and length, random body) also fail cleanly.
        var rnd = new Random(3);
        for (int k = 0; k < 5; k++)
        {
            byte[] m2 = (byte[])t.M2.Clone();
            rnd.NextBytes(m2.AsSpan(12));
            var h = new HandshakeHarness("fuzz");
            using InitiatorHandshake i = h.NewInitiator();
            i.CreateInitiation();
            Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2));

            byte[] m1 = (byte[])t.M1.Clone();
            rnd.NextBytes(m1.AsSpan(8));
            using ResponderHandshake r = h.NewResponder();
            try
            {
                r.ProcessInitiation(m1); // a random ML-KEM key is still a key; the P-384 point almost never is
            }
            catch (ProtocolException)
            {
            }
        }

        static bool Throws(Action a, bool allowSuccess)
        {
            try
            {
                a();
                return allowSuccess;
            }
            catch (ProtocolException)
            {
                return true;
            }
        }
    }

    [Fact]
    public void Session_open_drops_random_datagrams_without_exceptions_or_state()
    {
        using var pair = new SessionPair();
        byte[] buffer = new byte[65535];
        Prop.ForAll(Messages(), (byte[] d) =>
        {
            if (d.Length > 8)
            {
                // Aim some at the real index so they reach the AEAD.
                d[4] = 0x22; d[5] = 0x22; d[6] = 0x22; d[7] = 0x22;
            }

            OpenResult r = pair.Server.Open(d, buffer);
            return r.Status == OpenStatus.Dropped && pair.Server.ReassemblyInFlight == 0;
        }).QuickCheckThrowOnFailure();
        Assert.Equal(0, pair.Server.Counters.DatagramsIn);
    }

    [Fact]
    public void Ip_packet_reader_never_throws()
    {
        Prop.ForAll(Messages(), (byte[] p) =>
        {
            bool valid = IpPacket.IsValid(p);
            int version = IpPacket.GetVersion(p);
            int src = IpPacket.SourceAddress(p).Length;
            int dst = IpPacket.DestinationAddress(p).Length;
            IpPacket.DeclaredLength(p);
            return valid ? (version == 4 && src == 4 && dst == 4) || (version == 6 && src == 16 && dst == 16) : version == 0 && src == 0 && dst == 0;
        }).QuickCheckThrowOnFailure();
    }
}
