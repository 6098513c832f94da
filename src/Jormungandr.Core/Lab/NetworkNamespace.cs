using System.Globalization;
using System.Text.RegularExpressions;
using Jormungandr.Interop;

namespace Jormungandr.Lab;

/// <summary>
/// A network namespace this process created (<c>ip netns add snek-&lt;purpose&gt;-&lt;pid&gt;-&lt;n&gt;</c>), with
/// loopback up. Commands run inside it through <c>ip netns exec</c>. <see cref="Dispose"/> stops every
/// process started through it, then any other PID still inside (only ours can be: the name is unique to
/// this process), and deletes it; it is idempotent and never throws.
/// </summary>
public sealed partial class NetworkNamespace : IDisposable
{
    /// <summary>Every lab namespace name starts with this.</summary>
    public const string NamePrefix = "snek-";

    private static int s_counter;
    private readonly List<LabProcess> _processes = [];
    private int _disposed;

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    /// <summary>The namespace name, e.g. <c>snek-demo-server-4242-1</c>.</summary>
    public string Name { get; }

    /// <summary>True while <c>/run/netns/&lt;Name&gt;</c> exists.</summary>
    public bool Exists => NameExists(Name);

    /// <summary>Why not disposed cleanly (first failure), or null.</summary>
    public string? CleanupError { get; private set; }

    /// <summary>True when a namespace of that name is mounted under /run/netns.</summary>
    public static bool NameExists(string name) => File.Exists(Path.Combine("/run/netns", name));

    /// <summary>
    /// Creates a uniquely named namespace and brings its loopback up.
    /// <paramref name="purpose"/>: 1-24 of a-z, 0-9, '-', starting with a letter or digit.
    /// </summary>
    /// <exception cref="ArgumentException">The purpose is not a short plain word.</exception>
    /// <exception cref="Commands.SnekException">The namespace could not be created (not root, no iproute2).</exception>
    public static NetworkNamespace Create(string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        if (!PurposePattern().IsMatch(purpose))
        {
            throw new ArgumentException("purpose must be 1-24 characters of a-z, 0-9 and '-', not starting with '-'", nameof(purpose));
        }

        string name = string.Create(CultureInfo.InvariantCulture,
            $"{NamePrefix}{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        ProcessRunner.Run("ip", ["netns", "add", name]).EnsureSuccess();
        var created = new NetworkNamespace(name);
        try
        {
            created.Ip("link", "set", "lo", "up");
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    /// <summary>Runs <c>ip -n &lt;Name&gt; …</c> and throws <see cref="Commands.SnekException"/> unless it succeeds.</summary>
    public ProcessResult Ip(params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ThrowIfDisposed();
        return ProcessRunner.Run("ip", ["-n", Name, .. arguments]).EnsureSuccess();
    }

    /// <summary>
    /// Every route of every table and every rule, both families, as one text: what a test compares before
    /// and after a tunnel to prove it left this namespace's routing as it found it.
    /// </summary>
    public string RoutingSnapshot() => string.Join(
        "\n--\n",
        Ip("route", "show", "table", "all").StandardOutput,
        Ip("-6", "route", "show", "table", "all").StandardOutput,
        Ip("rule").StandardOutput,
        Ip("-6", "rule").StandardOutput);

    /// <summary>Runs a program inside the namespace to completion or the deadline (the tree is killed then).</summary>
    /// <param name="command">The program and its arguments, e.g. <c>["ping", "-c", "3", "-W", "1", "198.18.0.1"]</c>.</param>
    /// <param name="timeout">Deadline; <see cref="ProcessRunner.DefaultTimeout"/> when null.</param>
    /// <param name="maxOutputChars">Cap per output stream.</param>
    public ProcessResult Run(IReadOnlyList<string> command, TimeSpan? timeout = null, int maxOutputChars = ProcessRunner.DefaultMaxOutputChars)
    {
        ThrowIfDisposed();
        return ProcessRunner.Run("ip", ExecArguments(command), timeout, maxOutputChars);
    }

    /// <summary>Starts a long-running program inside the namespace; it is stopped on <see cref="Dispose"/> at the latest.</summary>
    public LabProcess Start(IReadOnlyList<string> command, int maxOutputChars = ProcessRunner.DefaultMaxOutputChars)
    {
        ThrowIfDisposed();
        var process = new LabProcess("ip", ExecArguments(command), maxOutputChars);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>PIDs of every process currently inside the namespace (<c>ip netns pids</c>).</summary>
    public IReadOnlyList<int> ProcessIds()
    {
        ProcessResult result = ProcessRunner.Run("ip", ["netns", "pids", Name]).EnsureSuccess();
        var pids = new List<int>();
        foreach (string line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>Stops our processes, kills stragglers inside, deletes the namespace. Idempotent; never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        LabProcess[] started;
        lock (_processes)
        {
            started = [.. _processes];
            _processes.Clear();
        }

        foreach (LabProcess process in started)
        {
            try
            {
                process.Dispose();
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                CleanupError ??= $"stopping {process.CommandLine}: {e.Message}";
            }
        }

        try
        {
            KillRemaining();
        }
        catch (Commands.SnekException e)
        {
            CleanupError ??= e.Message;
        }

        try
        {
            // A namespace with a live process in it survives 'ip netns del' (only the name goes), so
            // the kill above comes first; retry briefly in case the kernel is still reaping.
            ProcessResult result = ProcessRunner.Run("ip", ["netns", "del", Name]);
            for (int attempt = 0; attempt < 5 && Exists; attempt++)
            {
                Thread.Sleep(100);
                result = ProcessRunner.Run("ip", ["netns", "del", Name]);
            }

            if (Exists)
            {
                CleanupError ??= $"could not delete namespace {Name}: {result.StandardError.Trim()}";
            }
        }
        catch (Commands.SnekException e)
        {
            CleanupError ??= e.Message;
        }
    }

    private void KillRemaining()
    {
        if (!Exists)
        {
            return;
        }

        for (int round = 0; round < 3; round++)
        {
            IReadOnlyList<int> pids = ProcessIds();
            if (pids.Count == 0)
            {
                return;
            }

            foreach (int pid in pids)
            {
                _ = LibC.Kill(pid, LibC.SigKill);
            }

            Thread.Sleep(50);
        }
    }

    private string[] ExecArguments(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0 || string.IsNullOrEmpty(command[0]))
        {
            throw new ArgumentException("command needs at least a program name", nameof(command));
        }

        return ["netns", "exec", Name, .. command];
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,23}$", RegexOptions.CultureInvariant)]
    private static partial Regex PurposePattern();
}
