using System.Management.Automation;
using Jormungandr.Legacy;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Sends messages to a legacy echo server and returns its replies.</para>
/// <para type="description">Speaks the original (pre-quantum) protocol: Diffie-Hellman key agreement,
/// then one encrypted exchange per message. Messages come from -Message or the pipeline.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "LegacyEcho")]
[OutputType(typeof(LegacyEchoReply))]
public sealed class InvokeLegacyEchoCommand : SnekCmdlet
{
    private readonly List<string> _messages = [];

    /// <summary>The messages to send, in order.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] Message { get; set; } = [];

    /// <summary>The server's host name or address.</summary>
    [Parameter]
    [Alias("Cn")]
    [ValidateNotNullOrEmpty]
    public string ComputerName { get; set; } = "localhost";

    /// <summary>The server's TCP port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 4600;

    /// <summary>TOML file listing the ciphers to propose ([[supported_cipher]] tables).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CipherFile { get; set; }

    /// <summary>RFC 3526 Diffie-Hellman group (5, 14, 15, 16, 17 or 18); must match the server's.</summary>
    [Parameter]
    public int Group { get; set; } = DiffieHellmanGroups.DefaultGroup;

    /// <summary>Collects the messages of each pipeline object.</summary>
    protected override void ProcessRecord() => Collect(Message);

    /// <summary>The command's options: the messages collected so far and the bound parameters.</summary>
    internal LegacyEchoClientOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            ComputerName = ComputerName,
            Port = Port,
            CipherFile = CipherFile is null ? null : resolve(CipherFile),
            Messages = [.. _messages],
            Group = Group,
        };

    /// <summary>Collects messages as ProcessRecord does (for tests of the collection order).</summary>
    internal void Collect(IEnumerable<string> messages) => _messages.AddRange(messages);

    /// <summary>Sends every collected message over one session.</summary>
    protected override void EndProcessing()
    {
        LegacyEchoClientOptions options = CreateOptions(ResolvePath);

        WriteVerbose($"Sending {_messages.Count} message(s) to {ComputerName}:{Port}.");
        Run(new LegacyEchoClientCommand(), options, target: $"{ComputerName}:{Port}");
    }
}
