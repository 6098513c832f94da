using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jormungandr.Identity;
using Jormungandr.Legacy;
using Jormungandr.Provisioning;
using Jormungandr.Service;
using Jormungandr.Tunnel;

namespace Jormungandr.Cli;

/// <summary>
/// What <c>--json</c> writes: every object a command outputs, with its JSON shape generated at compile
/// time (so an ahead-of-time compiled <c>snek</c> needs no reflection). Enums are written as names,
/// addresses and endpoints as their text, and '+' and '/' in fingerprints stay unescaped (this is a
/// terminal, not HTML). A type a command outputs must be listed here; a test checks that it is.
/// </summary>
internal static class OutputJson
{
    private static readonly OutputJsonContext Context = new(new JsonSerializerOptions
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>One line of JSON for <paramref name="value"/>.</summary>
    /// <exception cref="NotSupportedException">Its type is not listed in the context.</exception>
    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Context);

    /// <summary>True when objects of <paramref name="type"/> can be written.</summary>
    public static bool Knows(Type type) => Context.GetTypeInfo(type) is not null;
}

/// <summary>The compile-time JSON shapes of everything <c>snek</c> outputs.</summary>
[JsonSourceGenerationOptions(
    UseStringEnumConverter = true,
    Converters = [typeof(TextConverter<IPAddress>), typeof(TextConverter<IPEndPoint>), typeof(TextConverter<EndPoint>)])]
[JsonSerializable(typeof(SnekCertificate))]
[JsonSerializable(typeof(SnekSession))]
[JsonSerializable(typeof(SnekServerStatus))]
[JsonSerializable(typeof(SnekSessionEvent))]
[JsonSerializable(typeof(SnekServiceStatus))]
[JsonSerializable(typeof(SnekClient))]
[JsonSerializable(typeof(LegacyEchoMessage))]
[JsonSerializable(typeof(LegacyEchoReply))]
[JsonSerializable(typeof(SnekVersionInfo))]
[JsonSerializable(typeof(string))] // the usual error targets (object-typed)
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;

/// <summary>
/// A value as its text: addresses ("198.18.0.1"; their object shape is useless and ScopeId throws for
/// IPv4) and endpoints ("198.18.0.1:10666", "[2001:2::1]:10666").
/// </summary>
internal sealed class TextConverter<T> : JsonConverter<T>
    where T : class
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("snek only writes JSON.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
