using System.Text;

namespace Jormungandr.HelpGen;

/// <summary>Turns an about_*.md page into the plain-text about_*.help.txt that Get-Help shows.</summary>
internal static class AboutTopicWriter
{
    private const int Width = 80;

    public static string Write(string markdown, string fileName)
    {
        List<Block> blocks = MarkdownBlocks.Parse(markdown);
        if (blocks.Count == 0 || blocks[0] is not Heading { Level: 1 } title || !title.Text.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            throw new HelpFormatException($"{fileName}: an about topic starts with '# about_Name'.");
        }

        if (!blocks.Any(b => b is Heading { Level: 2 } h && h.Text.Equals("SHORT DESCRIPTION", StringComparison.OrdinalIgnoreCase)))
        {
            throw new HelpFormatException($"{fileName}: no '## SHORT DESCRIPTION' section.");
        }

        StringBuilder text = new();
        text.Append("TOPIC\n    ").Append(title.Text).Append("\n\n");
        int indent = 4;
        foreach (Block block in blocks.Skip(1))
        {
            switch (block)
            {
                case Heading { Level: 2 } h:
                    text.Append(h.Text.ToUpperInvariant()).Append('\n');
                    indent = 4;
                    break;
                case Heading h:
                    text.Append("    ").Append(h.Text).Append('\n');
                    indent = 4;
                    break;
                case Paragraph p:
                    Wrap(text, p.Text, indent);
                    text.Append('\n');
                    break;
                case Code c:
                    foreach (string line in c.Text.Split('\n'))
                    {
                        text.Append(' ', 8).Append(line).Append('\n');
                    }

                    text.Append('\n');
                    break;
            }
        }

        return text.ToString();
    }

    private static void Wrap(StringBuilder text, string paragraph, int indent)
    {
        int column = 0;
        foreach (string word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (column == 0)
            {
                text.Append(' ', indent).Append(word);
                column = indent + word.Length;
            }
            else if (column + 1 + word.Length > Width)
            {
                text.Append('\n').Append(' ', indent).Append(word);
                column = indent + word.Length;
            }
            else
            {
                text.Append(' ').Append(word);
                column += 1 + word.Length;
            }
        }

        text.Append('\n');
    }
}
