using System.Text;

namespace Jormungandr.HelpGen;

/// <summary>Converts a docs folder: every Verb-Noun.md into one MAML file, every about_*.md into its text topic.</summary>
internal static class HelpBuild
{
    public const string MamlFileName = "Jormungandr.dll-Help.xml";

    public static IReadOnlyList<CmdletPage> ReadPages(string docsDirectory)
    {
        List<CmdletPage> pages = [];
        foreach (string file in Directory.GetFiles(docsDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            if (!Path.GetFileName(file).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                CmdletPage page = CmdletPageParser.Parse(File.ReadAllText(file), Path.GetFileName(file));
                if (!page.Name.Equals(Path.GetFileNameWithoutExtension(file), StringComparison.Ordinal))
                {
                    throw new HelpFormatException($"{Path.GetFileName(file)}: title '{page.Name}' does not match the file name.");
                }

                pages.Add(page);
            }
        }

        return pages;
    }

    /// <summary>Writes the help files; returns the paths written.</summary>
    public static IReadOnlyList<string> Run(string docsDirectory, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        List<string> written = [];
        string maml = Path.Combine(outputDirectory, MamlFileName);
        File.WriteAllText(maml, MamlWriter.Write(ReadPages(docsDirectory)), new UTF8Encoding(false));
        written.Add(maml);
        foreach (string file in Directory.GetFiles(docsDirectory, "about_*.md").Order(StringComparer.Ordinal))
        {
            string target = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(file) + ".help.txt");
            File.WriteAllText(target, AboutTopicWriter.Write(File.ReadAllText(file), Path.GetFileName(file)), new UTF8Encoding(false));
            written.Add(target);
        }

        return written;
    }
}
