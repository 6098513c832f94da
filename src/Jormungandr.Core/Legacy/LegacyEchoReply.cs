namespace Jormungandr.Legacy;

/// <summary>One exchange seen by the client (what <c>Invoke-LegacyEcho</c> emits).</summary>
public sealed class LegacyEchoReply
{
    /// <summary>The text sent.</summary>
    public string Message { get; set; } = string.Empty;

    /// <summary>The server's answer as received, e.g. <c>Server says: olleh</c>.</summary>
    public string Reply { get; set; } = string.Empty;

    /// <summary>The negotiated cipher: AES, Blowfish, DES3 or DES.</summary>
    public string Cipher { get; set; } = string.Empty;

    /// <summary>The negotiated key size in bits.</summary>
    public int KeySize { get; set; }

    /// <summary>The server as <c>host:port</c>.</summary>
    public string Server { get; set; } = string.Empty;

    /// <inheritdoc />
    public override string ToString() => Reply;
}
