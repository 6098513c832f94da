namespace Jormungandr.PowerShell.Completion;

/// <summary>Prefix matching shared by the completers (PowerShell completes case-insensitively).</summary>
internal static class CompletionMatch
{
    /// <summary>The candidates starting with what the user typed, quotes stripped, in the given order.</summary>
    public static IReadOnlyList<string> Filter(IEnumerable<string> candidates, string? wordToComplete)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        List<string> result = [];
        foreach (string candidate in candidates)
        {
            if (candidate.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !result.Contains(candidate))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>Quotes a completion when PowerShell would otherwise split it.</summary>
    public static string Quote(string value) =>
        value.IndexOfAny([' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', ',', '@', '#']) >= 0
            ? "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'"
            : value;
}
