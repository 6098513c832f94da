using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>
/// A flipped byte anywhere in any handshake message makes the handshake fail. Each attempt replays the
/// recorded (deterministic) handshake up to the tampered message, so only the messages are reused.
/// </summary>
public class HandshakeTamperTests
{
    private const string Seed = "tamper";
    private static readonly Lazy<Transcript4> Recorded = new(() => new HandshakeHarness(Seed).Run([5, 5, 5, 5]));

    /// <summary>Every byte of the first 16 (headers, indices), every byte of the last 20 (tags), and a stride through the rest.</summary>
    public static IEnumerable<int> Positions(int length, int stride)
    {
        for (int p = 0; p < length; p++)
        {
            if (p < 16 || p >= length - 20 || p % stride == 0)
            {
                yield return p;
            }
        }
    }

    private static byte[] Flip(byte[] message, int position)
    {
        byte[] t = (byte[])message.Clone();
        t[position] ^= 0x5A;
        return t;
    }

    [Fact]
    public void Replaying_the_recorded_handshake_reproduces_it()
    {
        Transcript4 t = Recorded.Value;
        var h = new HandshakeHarness(Seed);
        using InitiatorHandshake i = h.NewInitiator();
        using ResponderHandshake r = h.NewResponder();
        Assert.Equal(t.M1, i.CreateInitiation());
        Assert.Equal(t.M2, r.ProcessInitiation(t.M1));
        Assert.Equal(t.M3, i.ProcessResponse(t.M2));
    }

    [Fact]
    public void Tampered_initiation_fails_the_handshake()
    {
        Transcript4 t = Recorded.Value;
        int checkedPositions = 0;
        foreach (int p in Positions(t.M1.Length, 61))
        {
            var h = new HandshakeHarness(Seed);
            using InitiatorHandshake i = h.NewInitiator();
            using ResponderHandshake r = h.NewResponder();
            Assert.Equal(t.M1, i.CreateInitiation());
            byte[] m2;
            try
            {
                m2 = r.ProcessInitiation(Flip(t.M1, p));
            }
            catch (ProtocolException)
            {
                checkedPositions++;
                continue; // refused by the responder already
            }

            Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2));
            checkedPositions++;
        }

        Assert.True(checkedPositions > 50);
    }

    [Fact]
    public void Tampered_response_is_rejected()
    {
        Transcript4 t = Recorded.Value;
        int n = 0;
        foreach (int p in Positions(t.M2.Length, 89))
        {
            var h = new HandshakeHarness(Seed);
            using InitiatorHandshake i = h.NewInitiator();
            i.CreateInitiation();
            Assert.Throws<ProtocolException>(() => i.ProcessResponse(Flip(t.M2, p)));
            Assert.Equal(HandshakeState.Failed, i.State);
            n++;
        }

        Assert.True(n > 100);
    }

    [Fact]
    public void Tampered_authentication_is_rejected()
    {
        Transcript4 t = Recorded.Value;
        int n = 0;
        foreach (int p in Positions(t.M3.Length, 97))
        {
            var h = new HandshakeHarness(Seed);
            using ResponderHandshake r = h.NewResponder();
            r.ProcessInitiation(t.M1);
            Assert.Throws<ProtocolException>(() => r.ProcessAuthentication(Flip(t.M3, p)));
            Assert.Equal(HandshakeState.Failed, r.State);
            n++;
        }

        Assert.True(n > 80);
    }

    [Fact]
    public void Tampered_confirmation_is_rejected_at_every_byte()
    {
        Transcript4 t = Recorded.Value;
        for (int p = 0; p < t.M4.Length; p++)
        {
            var h = new HandshakeHarness(Seed);
            using InitiatorHandshake i = h.NewInitiator();
            i.CreateInitiation();
            i.ProcessResponse(t.M2);
            Assert.Throws<ProtocolException>(() => i.ProcessConfirmation(Flip(t.M4, p)));
        }
    }

    [Fact]
    public void Truncated_or_extended_messages_are_rejected_before_crypto()
    {
        Transcript4 t = Recorded.Value;
        foreach (byte[] m in new[] { t.M1, t.M2, t.M3 })
        {
            Assert.Throws<ProtocolException>(() => Check(m[..^1]));
            Assert.Throws<ProtocolException>(() => Check([.. m, 0]));
        }

        Assert.Throws<ProtocolException>(() => HandshakeMessages.ParseConfirmation(t.M4[..^1]));

        static void Check(byte[] m)
        {
            switch (HandshakeMessages.PeekType(m))
            {
                case MessageType.Initiation: HandshakeMessages.ParseInitiation(m); break;
                case MessageType.Response: HandshakeMessages.ParseResponse(m); break;
                default: HandshakeMessages.ParseAuthentication(m); break;
            }
        }
    }
}
