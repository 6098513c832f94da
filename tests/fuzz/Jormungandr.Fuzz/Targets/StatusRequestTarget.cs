using System.Text.Json;
using Jormungandr.Engine;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// A status-socket line: the first byte picks a request (as the daemon reads it) or a response (as the
/// CLI reads it). A request is never an exception, only accepted or refused (null); an accepted one has a
/// known operation and survives encoding and parsing again unchanged. A response throws only
/// <see cref="JsonException"/> or <see cref="InvalidDataException"/>, and an accepted one round-trips too.
/// </summary>
internal static class StatusRequestTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> line = input[1..];
        if ((input[0] & 1) == 0)
        {
            StatusRequest? request = StatusProtocol.ParseRequest(line);
            if (request is null)
            {
                return;
            }

            InvariantViolation.Check(request.Op is StatusProtocol.OpStatus or StatusProtocol.OpDisconnect or StatusProtocol.OpStop or StatusProtocol.OpRebind, $"unknown operation '{request.Op}' accepted");
            byte[] encoded = StatusProtocol.Encode(request);
            StatusRequest? again = StatusProtocol.ParseRequest(encoded);
            InvariantViolation.Check(again is not null && again.Op == request.Op && again.Fingerprint == request.Fingerprint, "an accepted request does not survive encoding");
            return;
        }

        StatusResponse response;
        try
        {
            response = StatusProtocol.ParseResponse(line);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return;
        }

        byte[] line2 = StatusProtocol.Encode(response);
        StatusResponse back = StatusProtocol.ParseResponse(line2);
        InvariantViolation.Check(
            back.Ok == response.Ok && back.InterfaceName == response.InterfaceName && back.ErrorId == response.ErrorId
            && back.Error == response.Error && back.Sessions!.Count == response.Sessions!.Count,
            "an accepted response does not survive encoding");
    }
}
