namespace Jormungandr.Cli;

/// <summary>
/// The original design's flags (<c>snek -g DIR</c>, <c>snek -l -x PUBDIR</c>, <c>snek -c HOST -x PRIVKEY</c>),
/// rewritten into subcommands before parsing so both spellings share one implementation.
/// </summary>
internal static class OriginalFlags
{
    /// <summary>Returns the argument list with the original flags turned into subcommand syntax; anything else unchanged.</summary>
    public static string[] Rewrite(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !args[0].StartsWith('-'))
        {
            return args; // Already a subcommand (or nothing): the modern syntax.
        }

        // `snek -g DIR [...]` == `snek gencert DIR [...]`
        int g = Array.IndexOf(args, "-g");
        if (g >= 0)
        {
            List<string> rest = [.. args];
            rest.RemoveAt(g);
            rest.Insert(0, "gencert");
            return [.. rest];
        }

        // ---- Tunnel flags (owner: engine): map `-l -x PUBDIR [-kp N] [-dp N]` to `server ...` and
        // ---- `-c HOST -x PRIVKEY [-kp N] [-dp N]` to `connect ...` here, returning the rewritten array.
        if (TunnelCli.RewriteOriginalFlags(args) is string[] tunnel) { return tunnel; }
        // ---- end of tunnel flags ----
        return args;
    }
}
