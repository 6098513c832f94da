namespace Jormungandr.PowerShell.Runtime;

/// <summary>Lifecycle of a command running in the background (mirrors the job states PowerShell shows).</summary>
internal enum CommandRunState
{
    /// <summary>Created, not started.</summary>
    NotStarted,
    /// <summary>The command's task is running.</summary>
    Running,
    /// <summary>Stop was requested; waiting for the command to tear down.</summary>
    Stopping,
    /// <summary>The command finished by itself.</summary>
    Completed,
    /// <summary>The command threw; the error was written to the output.</summary>
    Failed,
    /// <summary>The command was stopped on request.</summary>
    Stopped,
}
