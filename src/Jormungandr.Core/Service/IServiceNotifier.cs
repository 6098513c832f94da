namespace Jormungandr.Service;

/// <summary>
/// Where a long-running tunnel tells its supervisor how it is doing: newline-separated
/// <c>KEY=VALUE</c> assignments in the sd_notify format (<c>READY=1</c>, <c>STATUS=…</c>).
/// </summary>
public interface IServiceNotifier
{
    /// <summary>Sends one message. Throws <see cref="Commands.SnekException"/> when it cannot be delivered.</summary>
    void Send(string message);
}
