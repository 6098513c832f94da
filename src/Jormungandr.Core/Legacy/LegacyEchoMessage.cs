namespace Jormungandr.Legacy;

/// <summary>One message the server received and answered (what <c>Start-LegacyEchoServer</c> emits).</summary>
public sealed class LegacyEchoMessage
{
    /// <summary>The client as <c>ip:port</c>.</summary>
    public string Client { get; set; } = string.Empty;

    /// <summary>The negotiated cipher: AES, Blowfish, DES3 or DES.</summary>
    public string Cipher { get; set; } = string.Empty;

    /// <summary>The negotiated key size in bits.</summary>
    public int KeySize { get; set; }

    /// <summary>The decrypted text.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>The answer sent back, e.g. <c>Server says: olleh</c>.</summary>
    public string Reply { get; set; } = string.Empty;

    /// <inheritdoc />
    public override string ToString() => "Received: " + Text;
}
