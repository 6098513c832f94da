using Jormungandr.Commands;

namespace Jormungandr.Lab;

/// <summary>What a finished (or timed-out and killed) program left behind, with its output capped.</summary>
public sealed class ProcessResult
{
    /// <summary>Creates a result; normally made by <see cref="ProcessRunner"/>.</summary>
    public ProcessResult(string commandLine, int exitCode, string standardOutput, string standardError, bool timedOut, bool outputTruncated, TimeSpan elapsed)
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
        TimedOut = timedOut;
        OutputTruncated = outputTruncated;
        Elapsed = elapsed;
    }

    /// <summary>The program and its arguments, quoted for display only (never executed as a string).</summary>
    public string CommandLine { get; }

    /// <summary>The exit code; -1 when the program was killed at the deadline.</summary>
    public int ExitCode { get; }

    /// <summary>Standard output, at most the runner's character cap.</summary>
    public string StandardOutput { get; }

    /// <summary>Standard error, at most the runner's character cap.</summary>
    public string StandardError { get; }

    /// <summary>True when the deadline passed and the process tree was killed.</summary>
    public bool TimedOut { get; }

    /// <summary>True when either stream produced more than the cap and the rest was discarded.</summary>
    public bool OutputTruncated { get; }

    /// <summary>Wall time from start to exit (or kill).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>True when the program exited by itself with code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>
    /// Returns this result when it succeeded; otherwise throws <see cref="SnekException"/>
    /// (<c>LabCommandTimedOut</c> / <c>LabCommandFailed</c>) with the first line of standard error.
    /// </summary>
    public ProcessResult EnsureSuccess()
    {
        if (TimedOut)
        {
            throw new SnekException("LabCommandTimedOut", ErrorKind.OperationTimeout,
                $"'{CommandLine}' did not finish within {Elapsed.TotalSeconds:0.#} s and was killed", CommandLine);
        }

        if (ExitCode != 0)
        {
            string detail = FirstLine(StandardError);
            if (detail.Length == 0)
            {
                detail = FirstLine(StandardOutput);
            }

            throw new SnekException("LabCommandFailed", ErrorKind.NotSpecified,
                $"'{CommandLine}' failed with exit code {ExitCode}" + (detail.Length > 0 ? ": " + detail : string.Empty), CommandLine);
        }

        return this;
    }

    private static string FirstLine(string text)
    {
        string trimmed = text.Trim();
        int newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline].TrimEnd();
    }
}
