using System.Runtime.InteropServices;
using System.Text.Json;
using Jormungandr.Lab;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Jormungandr.Load;

/// <summary>
/// Runs N simulated clients against the real <c>snek server</c> in this network namespace and reports
/// establishment, handshake cost, memory per session, forwarding and recovery after a server restart.
/// bench/load.sh creates the namespace and removes it afterwards. Exit codes: 0 every phase reached all
/// clients, 1 a phase did not, 2 usage or environment error.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"Jormungandr.Load: {e.Message}\n{LoadOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        if (LabNamespaceCheck.WhyNot() is string why)
        {
            await Console.Error.WriteLineAsync($"Jormungandr.Load: {why}").ConfigureAwait(false);
            return 2;
        }

        string work = options.WorkDirectory ?? Directory.CreateTempSubdirectory("snek-load-").FullName;
        using var deadline = new CancellationTokenSource(options.Deadline);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        try
        {
            LabNamespaceCheck.AddServerAddress();
            var run = new LoadRun(options, work, SnekCommand(options.Snek!), Console.Error);
            LoadReport report = await run.RunAsync(deadline.Token).ConfigureAwait(false);
            Console.Out.Write(options.Json ? JsonSerializer.Serialize(report, JsonOptions) + "\n" : report.ToText());
            return report.Complete ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Jormungandr.Load: stopped (deadline of {options.Deadline.TotalSeconds:0} s or a signal) before the run ended").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is LoadSetupException or Commands.SnekException or IOException)
        {
            await Console.Error.WriteLineAsync($"Jormungandr.Load: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            if (options.WorkDirectory is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            deadline.Cancel();
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static List<string> SnekCommand(string snek) =>
        snek.EndsWith(".dll", StringComparison.Ordinal)
            ? [Environment.ProcessPath is string host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet", Path.GetFullPath(snek)]
            : [Path.GetFullPath(snek)];
}
