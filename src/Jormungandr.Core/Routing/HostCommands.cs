using Jormungandr.Lab;

namespace Jormungandr.Routing;

/// <summary>
/// <see cref="IHostCommands"/> through <see cref="ProcessRunner"/>: a 15 s deadline per command, output
/// capped. A child process starts in the network namespace of the thread that starts it.
/// </summary>
internal sealed class HostCommands : IHostCommands
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <inheritdoc/>
    public bool Exists(string program)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        foreach (string dir in (path ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, program)))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null) =>
        ProcessRunner.Run(program, arguments, input, Deadline);
}
