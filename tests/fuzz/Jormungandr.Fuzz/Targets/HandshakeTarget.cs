using Jormungandr.Protocol;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// One handshake message fed to a handshake in one of its four waiting states (the first input byte picks
/// the state, the rest is the message, of any type). Only <see cref="ProtocolException"/> may escape; a
/// Response, Authentication or Confirmation is authenticated, so it is accepted only when it is byte for
/// byte the genuine vector message; an accepted Initiation yields a well-formed Response echoing its index,
/// and the vector Initiation yields exactly the vector Response.
/// </summary>
internal static class HandshakeTarget
{
    /// <summary>The waiting state the message is delivered in.</summary>
    public enum State : byte
    {
        ResponderAwaitsInitiation = 0,
        InitiatorAwaitsResponse = 1,
        ResponderAwaitsAuthentication = 2,
        InitiatorAwaitsConfirmation = 3,
    }

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var state = (State)(input[0] % 4);
        ReadOnlySpan<byte> message = input[1..];
        VectorHandshake peers = VectorHandshake.Instance;
        ProtocolVectors v = peers.Vectors;
        try
        {
            switch (state)
            {
                case State.ResponderAwaitsInitiation:
                    {
                        using ResponderHandshake r = peers.NewResponder();
                        byte[] response = r.ProcessInitiation(message);
                        (_, uint echoed) = HandshakeMessages.ParseResponse(response);
                        InvariantViolation.Check(echoed == HandshakeMessages.ParseInitiation(message), "the Response does not echo the initiator's index");
                        InvariantViolation.Check(!message.SequenceEqual(v.Initiation) || response.AsSpan().SequenceEqual(v.Response), "the vector Initiation did not yield the vector Response");
                        break;
                    }

                case State.InitiatorAwaitsResponse:
                    {
                        using InitiatorHandshake i = peers.NewInitiator();
                        i.CreateInitiation();
                        byte[] authentication = i.ProcessResponse(message);
                        Accepted(message, v.Response, "Response");
                        InvariantViolation.Check(authentication.AsSpan().SequenceEqual(v.Authentication), "the vector Response did not yield the vector Authentication");
                        break;
                    }

                case State.ResponderAwaitsAuthentication:
                    {
                        using ResponderHandshake r = peers.NewResponder();
                        r.ProcessInitiation(v.Initiation);
                        r.ProcessAuthentication(message);
                        Accepted(message, v.Authentication, "Authentication");
                        break;
                    }

                default:
                    {
                        using InitiatorHandshake i = peers.NewInitiator();
                        i.CreateInitiation();
                        i.ProcessResponse(v.Response);
                        using SessionKeys keys = i.ProcessConfirmation(message);
                        Accepted(message, v.Confirmation, "Confirmation");
                        InvariantViolation.Check(keys.ApplicationPayload.AsSpan().SequenceEqual(v.ConfirmationPayload), "the Confirmation's payload changed");
                        break;
                    }
            }
        }
        catch (ProtocolException)
        {
            // The documented refusal.
        }
    }

    private static void Accepted(ReadOnlySpan<byte> message, byte[] genuine, string name) =>
        InvariantViolation.Check(message.SequenceEqual(genuine), $"a {name} that is not the genuine one was accepted");
}
