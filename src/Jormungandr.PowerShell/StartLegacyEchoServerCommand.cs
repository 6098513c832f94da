using System.Management.Automation;
using Jormungandr.Legacy;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Starts a legacy echo server.</para>
/// <para type="description">Answers legacy echo clients until Ctrl+C, writing one LegacyEchoMessage per
/// message, or runs in a background job with -AsJob.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "LegacyEchoServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(LegacyEchoMessage), typeof(SnekJob))]
public sealed class StartLegacyEchoServerCommand : SnekCmdlet
{
    /// <summary>TCP port to listen on; 0 picks a free one.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(0, 65535)]
    public int Port { get; set; } = 4600;

    /// <summary>TOML file listing the supported ciphers ([[supported_cipher]] tables).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CipherFile { get; set; }

    /// <summary>RFC 3526 Diffie-Hellman group (5, 14, 15, 16, 17 or 18); must match the clients'.</summary>
    [Parameter]
    public int Group { get; set; } = DiffieHellmanGroups.DefaultGroup;

    /// <summary>Local address to listen on; all addresses when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bind { get; set; }

    /// <summary>Most clients served at once.</summary>
    [Parameter]
    [ValidateRange(1, 4096)]
    public int MaxClients { get; set; } = 16;

    /// <summary>Runs the server in a background job and returns the job at once.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal LegacyEchoServerOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            Port = Port,
            CipherFile = CipherFile is null ? null : resolve(CipherFile),
            Group = Group,
            Bind = Bind,
            MaxClients = MaxClients,
        };

    /// <summary>Starts the server.</summary>
    protected override void EndProcessing()
    {
        LegacyEchoServerOptions options = CreateOptions(ResolvePath);

        string endpoint = $"{Bind ?? "*"}:{Port}";
        if (!ShouldProcess(endpoint, "Start legacy echo server"))
        {
            return;
        }

        LegacyEchoServerCommand command = new();
        if (AsJob.IsPresent)
        {
            // The job's Location shows the bound endpoint once listening (the real port when -Port 0).
            StartJob(CommandLine, endpoint, (output, token) => command.ExecuteAsync(options, output, token),
                job => command.Listening += bound => job.SetLocation(bound.ToString()));
            return;
        }

        Run(command, options, confirmed: true, target: endpoint);
    }
}
