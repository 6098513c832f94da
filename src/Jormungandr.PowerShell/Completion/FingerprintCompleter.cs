using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Jormungandr.Commands;
using Jormungandr.Tunnel;

namespace Jormungandr.PowerShell.Completion;

/// <summary>Tab completion for -Fingerprint: the peer fingerprints of the running tunnels' sessions.</summary>
public sealed class FingerprintCompleter : IArgumentCompleter
{
    /// <summary>How long completion may wait for the status sockets.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Returns the fingerprints that start with <paramref name="wordToComplete"/>.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? interfaceName = fakeBoundParameters?["InterfaceName"] as string;
        List<CompletionResult> results = [];
        foreach (SnekSession session in Sessions(interfaceName))
        {
            if (!CompletionMatch.Filter([session.PeerFingerprint], wordToComplete).Any())
            {
                continue;
            }

            string tip = $"{session.PeerName ?? session.Endpoint ?? "peer"} on {session.InterfaceName}";
            results.Add(new CompletionResult(CompletionMatch.Quote(session.PeerFingerprint), session.PeerFingerprint, CompletionResultType.ParameterValue, tip));
        }

        return results;
    }

    /// <summary>The sessions the status sockets report within <see cref="Timeout"/>; none on any failure.</summary>
    internal static IReadOnlyList<SnekSession> Sessions(string? interfaceName, string statusDirectory = TunnelDefaults.StatusDirectory)
    {
        BufferedOutput output = new(static (_, _) => false);
        try
        {
            using CancellationTokenSource cts = new(Timeout);
            GetSessionOptions options = new() { InterfaceName = interfaceName, StatusDirectory = statusDirectory };
            new GetSessionCommand().ExecuteAsync(options, output, cts.Token).Wait(Timeout);
        }
#pragma warning disable CA1031 // Completion must never throw at the user's prompt.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Whatever arrived before the failure is still worth offering.
        }

        return output.ObjectsOf<SnekSession>();
    }
}
