using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Lab;

/// <summary>
/// Runs a program from an argument list (never a shell string) with a deadline and a cap on captured
/// output. At the deadline the whole process tree is killed by PID and the result says so.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Default cap per stream, in characters.</summary>
    public const int DefaultMaxOutputChars = 64 * 1024;

    /// <summary>Default deadline for short commands (ip, ping -c 3).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // How long to wait for the output pipes to close after the process exited: a backgrounded
    // grandchild may hold them open forever.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> to completion or the deadline.</summary>
    /// <exception cref="SnekException"><c>LabProgramNotFound</c> when the program cannot be started.</exception>
    public static ProcessResult Run(string fileName, IReadOnlyList<string> arguments, TimeSpan? timeout = null, int maxOutputChars = DefaultMaxOutputChars) =>
        Run(fileName, arguments, standardInput: null, timeout, maxOutputChars);

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/>, writing <paramref name="standardInput"/>
    /// (if any) to its standard input and closing it, to completion or the deadline.
    /// </summary>
    /// <exception cref="SnekException"><c>LabProgramNotFound</c> when the program cannot be started.</exception>
    public static ProcessResult Run(string fileName, IReadOnlyList<string> arguments, string? standardInput, TimeSpan? timeout = null, int maxOutputChars = DefaultMaxOutputChars)
    {
        TimeSpan limit = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOutputChars);

        using Process process = Start(fileName, arguments, redirectInput: standardInput is not null);
        var clock = Stopwatch.StartNew();
        if (standardInput is not null)
        {
            try
            {
                process.StandardInput.Write(standardInput);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading its input; its exit code tells the rest.
            }
        }

        var stdout = new BoundedTextCapture(process.StandardOutput, maxOutputChars);
        var stderr = new BoundedTextCapture(process.StandardError, maxOutputChars);

        bool timedOut = !process.WaitForExit(limit);
        if (timedOut)
        {
            KillTree(process);
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }

        Task.WaitAll([stdout.Completion, stderr.Completion], DrainGrace);
        clock.Stop();
        int exitCode = process.HasExited && !timedOut ? process.ExitCode : -1;
        return new ProcessResult(Describe(fileName, arguments), exitCode, stdout.Text, stderr.Text, timedOut,
            stdout.Truncated || stderr.Truncated, clock.Elapsed);
    }

    /// <summary>Starts a process with redirected, not yet read, standard streams.</summary>
    internal static Process Start(string fileName, IReadOnlyList<string> arguments, bool redirectInput)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new SnekException("LabProgramNotFound", ErrorKind.ResourceUnavailable,
                $"cannot start '{fileName}': {e.Message}", fileName, e);
        }

        return process;
    }

    /// <summary>Kills the process and its descendants (found by PID through /proc); no-op once exited.</summary>
    internal static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Exited between the check and the signal.
        }
    }

    /// <summary>The command line for messages: arguments with spaces or quotes are single-quoted.</summary>
    internal static string Describe(string fileName, IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder(fileName);
        foreach (string argument in arguments)
        {
            text.Append(' ');
            bool plain = argument.Length > 0 && argument.AsSpan().IndexOfAny(" \t\n'\"\\$`") < 0;
            text.Append(plain ? argument : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'");
        }

        return text.ToString();
    }
}
