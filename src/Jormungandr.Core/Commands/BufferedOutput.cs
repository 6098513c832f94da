namespace Jormungandr.Commands;

/// <summary>
/// An <see cref="ICommandOutput"/> that keeps everything in memory, thread-safely: for tests, for
/// callers that want a command's objects as a list, and as a staging area for background jobs.
/// </summary>
public sealed class BufferedOutput : ICommandOutput
{
    private readonly Lock _gate = new();
    private readonly List<object> _objects = [];
    private readonly List<CommandError> _errors = [];
    private readonly List<string> _warnings = [];
    private readonly List<string> _verbose = [];
    private readonly List<CommandProgress> _progress = [];
    private readonly Func<string, string, bool> _shouldProcess;

    /// <summary>Creates a buffer whose ShouldProcess answers with <paramref name="shouldProcess"/> (default: yes).</summary>
    public BufferedOutput(Func<string, string, bool>? shouldProcess = null)
    {
        _shouldProcess = shouldProcess ?? ((_, _) => true);
    }

    /// <summary>Raised (on the writer's thread) after each object is added.</summary>
    public event Action<object>? ObjectWritten;

    /// <summary>Snapshot of the objects written so far.</summary>
    public IReadOnlyList<object> Objects { get { lock (_gate) { return [.. _objects]; } } }

    /// <summary>Snapshot of the non-terminating errors written so far.</summary>
    public IReadOnlyList<CommandError> Errors { get { lock (_gate) { return [.. _errors]; } } }

    /// <summary>Snapshot of the warnings written so far.</summary>
    public IReadOnlyList<string> Warnings { get { lock (_gate) { return [.. _warnings]; } } }

    /// <summary>Snapshot of the verbose messages written so far.</summary>
    public IReadOnlyList<string> Verbose { get { lock (_gate) { return [.. _verbose]; } } }

    /// <summary>Snapshot of the progress records written so far.</summary>
    public IReadOnlyList<CommandProgress> Progress { get { lock (_gate) { return [.. _progress]; } } }

    /// <summary>Every (target, action) pair ShouldProcess was asked about, in order.</summary>
    public IReadOnlyList<(string Target, string Action)> ShouldProcessCalls { get { lock (_gate) { return [.. _calls]; } } }

    private readonly List<(string, string)> _calls = [];

    /// <summary>The objects of one type, in order.</summary>
    public IReadOnlyList<T> ObjectsOf<T>()
    {
        lock (_gate)
        {
            List<T> result = [];
            foreach (object o in _objects)
            {
                if (o is T t)
                {
                    result.Add(t);
                }
            }

            return result;
        }
    }

    /// <inheritdoc />
    public void WriteObject(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            _objects.Add(value);
        }

        ObjectWritten?.Invoke(value);
    }

    /// <inheritdoc />
    public void WriteError(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            _errors.Add(error);
        }
    }

    /// <inheritdoc />
    public void WriteWarning(string message)
    {
        lock (_gate)
        {
            _warnings.Add(message);
        }
    }

    /// <inheritdoc />
    public void WriteVerbose(string message)
    {
        lock (_gate)
        {
            _verbose.Add(message);
        }
    }

    /// <inheritdoc />
    public void WriteProgress(CommandProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        lock (_gate)
        {
            _progress.Add(progress);
        }
    }

    /// <inheritdoc />
    public bool ShouldProcess(string target, string action)
    {
        lock (_gate)
        {
            _calls.Add((target, action));
        }

        return _shouldProcess(target, action);
    }
}
