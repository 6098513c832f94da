namespace Jormungandr.HelpGen;

/// <summary>The pieces of a Markdown page the generator cares about, in order.</summary>
internal abstract record Block;

/// <summary>A heading (level 1 to 6).</summary>
internal sealed record Heading(int Level, string Text) : Block;

/// <summary>A paragraph: consecutive text lines joined by spaces (list items are kept as lines).</summary>
internal sealed record Paragraph(string Text) : Block;

/// <summary>A fenced code block with its info string (yaml, powershell, …).</summary>
internal sealed record Code(string Info, string Text) : Block;

/// <summary>Splits Markdown into headings, paragraphs and fenced code (front matter skipped).</summary>
internal static class MarkdownBlocks
{
    public static List<Block> Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        List<Block> blocks = [];
        List<string> paragraph = [];
        int i = 0;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            for (i = 1; i < lines.Length && lines[i].Trim() != "---"; i++)
            {
            }

            i++;
        }

        void Flush()
        {
            if (paragraph.Count > 0)
            {
                blocks.Add(new Paragraph(string.Join(" ", paragraph)));
                paragraph.Clear();
            }
        }

        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            string trimmed = line.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                string info = trimmed[3..].Trim();
                List<string> code = [];
                for (i++; i < lines.Length && !lines[i].Trim().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Add(lines[i]);
                }

                blocks.Add(new Code(info, string.Join("\n", code)));
                continue;
            }

            if (trimmed.StartsWith('#'))
            {
                Flush();
                int level = trimmed.TakeWhile(c => c == '#').Count();
                blocks.Add(new Heading(level, trimmed[level..].Trim()));
                continue;
            }

            if (trimmed.Length == 0)
            {
                Flush();
                continue;
            }

            if (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed.StartsWith("* ", StringComparison.Ordinal))
            {
                Flush();
                blocks.Add(new Paragraph(trimmed));
                continue;
            }

            paragraph.Add(trimmed);
        }

        Flush();
        return blocks;
    }
}
