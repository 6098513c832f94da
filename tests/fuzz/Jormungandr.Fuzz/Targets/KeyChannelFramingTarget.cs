using Jormungandr.Protocol;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// A key-channel byte stream read frame by frame. Only <see cref="ProtocolException"/> (bad length) and
/// <see cref="EndOfStreamException"/> (the stream ended inside a frame) escape; the frames read, framed
/// again, are exactly the bytes consumed; no frame body is allocated before its length is checked.
/// </summary>
internal static class KeyChannelFramingTarget
{
    private const int MaxFrames = 64;

    public static void Run(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray(), writable: false);
        var reframed = new List<byte>();
        for (int n = 0; n < MaxFrames; n++)
        {
            long start = stream.Position;
            byte[]? body;
            try
            {
                body = KeyChannelFraming.ReadFrameAsync(stream, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
            catch (ProtocolException)
            {
                InvariantViolation.Check(stream.Position - start == ProtocolConstants.FrameHeaderSize, "a refused frame consumed more than its header");
                return;
            }
            catch (EndOfStreamException)
            {
                InvariantViolation.Check(stream.Position == stream.Length, "a truncated frame was reported before the end");
                return;
            }

            if (body is null)
            {
                InvariantViolation.Check(start == input.Length, "the stream was reported ended before its end");
                break;
            }

            InvariantViolation.Check(body.Length == KeyChannelFraming.ReadLength(input[(int)start..]), "a frame body does not have its header's length");
            reframed.AddRange(KeyChannelFraming.Frame(body));
        }

        InvariantViolation.Check(input[..reframed.Count].SequenceEqual(reframed.ToArray()), "frames read and framed again differ from the stream");
    }
}
