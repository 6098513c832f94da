using Jormungandr.Lab;

namespace Jormungandr.Routing;

/// <summary>Runs the host's own tools (nft, resolvconf, resolvectl) from argument lists, never a shell.</summary>
internal interface IHostCommands
{
    /// <summary>True when <paramref name="program"/> is on PATH.</summary>
    bool Exists(string program);

    /// <summary>Runs the program to completion (bounded by a deadline), feeding <paramref name="input"/> to its standard input.</summary>
    ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null);
}
