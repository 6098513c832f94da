using System.CommandLine;

namespace Jormungandr.Cli;

/// <summary>Options every subcommand understands (recursive), read by <see cref="ConsoleOutput"/>.</summary>
internal static class GlobalOptions
{
    /// <summary>Print objects as JSON lines instead of tables.</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "Print results as JSON lines (one object per line).", Recursive = true };

    /// <summary>Show verbose messages (and stack traces of unexpected errors).</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Show step-by-step messages on stderr.", Recursive = true };

    /// <summary>Say what would change, change nothing.</summary>
    public static readonly Option<bool> WhatIf = new("--what-if") { Description = "Show what would change without changing anything.", Recursive = true };

    /// <summary>Ask before each change (only when a terminal is attached).</summary>
    public static readonly Option<bool> Confirm = new("--confirm") { Description = "Ask before each change.", Recursive = true };

    /// <summary>Answer yes to every confirmation.</summary>
    public static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask for confirmation (overrides --confirm).", Recursive = true };

    /// <summary>Adds the global options to the root command.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Add(Json);
        root.Add(Verbose);
        root.Add(WhatIf);
        root.Add(Confirm);
        root.Add(Yes);
    }
}
