using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jormungandr.Tunnel;

namespace Jormungandr.Engine;

/// <summary>
/// The status socket's protocol: one JSON object per line each way, one request per connection.
/// Requests: <c>{"op":"status"}</c>, <c>{"op":"disconnect","fingerprint":"SHA256:…"}</c>,
/// <c>{"op":"stop"}</c>, <c>{"op":"rebind"}</c> (client: move the data channel to a new UDP port). Responses: <c>{"ok":true,"interfaceName":"snk0","sessions":[…]}</c>
/// (a server adds <c>"server":{…}</c>, its handshake counters) or
/// <c>{"ok":false,"errorId":"…","error":"…"}</c>. Requests are capped at 4 KiB, responses at 16 MiB.
/// </summary>
internal static class StatusProtocol
{
    public const int MaxRequestBytes = 4096;
    public const int MaxResponseBytes = 16 * 1024 * 1024;
    public const string OpStatus = "status";
    public const string OpDisconnect = "disconnect";
    public const string OpStop = "stop";
    public const string OpRebind = "rebind";

    public static byte[] Encode(StatusRequest request) => Line(JsonSerializer.SerializeToUtf8Bytes(request, StatusJsonContext.Default.StatusRequest));

    public static byte[] Encode(StatusResponse response) => Line(JsonSerializer.SerializeToUtf8Bytes(response, StatusJsonContext.Default.StatusResponse));

    /// <summary>Parses a request line; null when it is not a well-formed request (unknown op, missing fingerprint, bad JSON).</summary>
    public static StatusRequest? ParseRequest(ReadOnlySpan<byte> line)
    {
        if (line.Length == 0 || line.Length > MaxRequestBytes)
        {
            return null;
        }

        StatusRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(line, StatusJsonContext.Default.StatusRequest);
        }
        catch (JsonException)
        {
            return null;
        }

        if (request is null)
        {
            return null;
        }

        return request.Op switch
        {
            OpStatus or OpStop or OpRebind => request,
            OpDisconnect when OptionChecks.IsFingerprint(request.Fingerprint) => request,
            _ => null,
        };
    }

    /// <summary>Parses a response line; throws <see cref="JsonException"/> or <see cref="InvalidDataException"/> when malformed.</summary>
    public static StatusResponse ParseResponse(ReadOnlySpan<byte> line)
    {
        if (line.Length == 0 || line.Length > MaxResponseBytes)
        {
            throw new InvalidDataException("Status response is empty or too large.");
        }

        StatusResponse response = JsonSerializer.Deserialize(line, StatusJsonContext.Default.StatusResponse)
            ?? throw new InvalidDataException("Status response is null.");
        response.Sessions ??= [];
        return response;
    }

    private static byte[] Line(byte[] json)
    {
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>Debug form of a request, for error messages.</summary>
    public static string Describe(StatusRequest request) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(request, StatusJsonContext.Default.StatusRequest));
}

/// <summary>A status-socket request.</summary>
internal sealed class StatusRequest
{
    public string Op { get; set; } = "";

    public string? Fingerprint { get; set; }
}

/// <summary>A status-socket response.</summary>
internal sealed class StatusResponse
{
    public bool Ok { get; set; }

    public string? InterfaceName { get; set; }

    public string? ErrorId { get; set; }

    public string? Error { get; set; }

    public List<SnekSession>? Sessions { get; set; }

    /// <summary>A server's handshake counters (status requests to a server only).</summary>
    public SnekServerStatus? Server { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class StatusJsonContext : JsonSerializerContext
{
}
