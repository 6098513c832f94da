using System.Xml.Linq;
using Jormungandr.HelpGen;

namespace Jormungandr.Tests;

/// <summary>The help generator: every docs page converts, and the MAML carries every parameter.</summary>
public sealed class HelpGenTests : IDisposable
{
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private readonly string _out = Path.Combine(Path.GetTempPath(), "jormungandr-helpgen-" + Guid.NewGuid().ToString("N"));

    private static string Docs => Path.Combine(RepoPaths.Root, "docs", "cmdlets");

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public void Every_page_converts_and_every_parameter_appears_in_the_MAML()
    {
        IReadOnlyList<string> written = HelpBuild.Run(Docs, _out);
        string mamlPath = Path.Combine(_out, HelpBuild.MamlFileName);
        Assert.Contains(mamlPath, written);
        XDocument maml = XDocument.Load(mamlPath);
        Assert.Equal("helpItems", maml.Root!.Name.LocalName);

        IReadOnlyList<CmdletPage> pages = HelpBuild.ReadPages(Docs);
        Assert.Equal(ModuleMetadata.Cmdlets.Count, pages.Count);
        foreach (CmdletInfo cmdlet in ModuleMetadata.Cmdlets)
        {
            XElement command = maml.Root.Elements(Command + "command")
                .Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == cmdlet.Name);
            Assert.Equal(cmdlet.Verb, command.Element(Command + "details")!.Element(Command + "verb")!.Value);
            Assert.Equal(cmdlet.Noun, command.Element(Command + "details")!.Element(Command + "noun")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(command.Element(Command + "details")!.Element(Maml + "description")!.Value), $"{cmdlet.Name}: no synopsis");

            HashSet<string> inMaml = [.. command.Element(Command + "parameters")!.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value)];
            foreach (ParameterInfoRecord parameter in cmdlet.Parameters)
            {
                Assert.True(inMaml.Contains(parameter.Name), $"{cmdlet.Name} -{parameter.Name} missing from the MAML");
            }

            // One syntax item per parameter set, each listing the parameters of that set.
            List<XElement> syntax = [.. command.Element(Command + "syntax")!.Elements(Command + "syntaxItem")];
            Assert.Equal(cmdlet.ParameterSets.Count, syntax.Count);
            CmdletPage page = pages.Single(p => p.Name == cmdlet.Name);
            for (int i = 0; i < page.Syntax.Count; i++)
            {
                string set = page.Syntax[i].Name;
                HashSet<string> names = [.. syntax[i].Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value)];
                foreach ((ParameterInfoRecord parameter, ParameterSetRecord _) in cmdlet.In(set))
                {
                    Assert.True(names.Contains(parameter.Name), $"{cmdlet.Name} syntax {set} lacks -{parameter.Name}");
                }
            }

            Assert.True(command.Element(Command + "examples")!.Elements(Command + "example").Count() >= 2, $"{cmdlet.Name}: fewer than two examples");
            Assert.All(command.Element(Command + "examples")!.Elements(Command + "example"), e => Assert.Contains(cmdlet.Name, e.Element(Dev + "code")!.Value, StringComparison.Ordinal));
            Assert.NotEmpty(command.Element(Command + "returnValues")!.Elements());
            Assert.NotEmpty(command.Element(Command + "inputTypes")!.Elements());
        }
    }

    [Fact]
    public void About_topic_is_plain_text_with_the_standard_headings()
    {
        HelpBuild.Run(Docs, _out);
        string text = File.ReadAllText(Path.Combine(_out, "about_Jormungandr.help.txt"));
        Assert.StartsWith("TOPIC\n    about_Jormungandr\n", text, StringComparison.Ordinal);
        Assert.Contains("\nSHORT DESCRIPTION\n", text, StringComparison.Ordinal);
        Assert.Contains("\nLONG DESCRIPTION\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("```", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n#", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 80 || line.StartsWith("        ", StringComparison.Ordinal), $"long line: {line}"));
    }

    [Fact]
    public void A_page_without_two_examples_is_rejected_naming_the_file()
    {
        string page = File.ReadAllText(Path.Combine(Docs, "Stop-SnekTunnel.md"));
        int examples = page.IndexOf("## EXAMPLES", StringComparison.Ordinal);
        int parameters = page.IndexOf("## PARAMETERS", StringComparison.Ordinal);
        string broken = page[..examples] + "## EXAMPLES\n\n### Example 1: only one\n```powershell\nStop-SnekTunnel snk0\n```\n\n" + page[parameters..];
        HelpFormatException ex = Assert.Throws<HelpFormatException>(() => CmdletPageParser.Parse(broken, "Stop-SnekTunnel.md"));
        Assert.Contains("Stop-SnekTunnel.md", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EXAMPLES", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_without_a_yaml_block_is_rejected()
    {
        string page = File.ReadAllText(Path.Combine(Docs, "Stop-SnekTunnel.md"));
        string broken = page.Replace("## INPUTS", "### -Bogus\nA parameter without metadata.\n\n## INPUTS", StringComparison.Ordinal);
        HelpFormatException ex = Assert.Throws<HelpFormatException>(() => CmdletPageParser.Parse(broken, "Stop-SnekTunnel.md"));
        Assert.Contains("-Bogus", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_text_is_escaped_in_the_MAML()
    {
        string page = File.ReadAllText(Path.Combine(Docs, "Stop-SnekTunnel.md")).Replace("Stops a running Jormungandr tunnel.", "Stops <tunnels> & \"things\".", StringComparison.Ordinal);
        CmdletPage parsed = CmdletPageParser.Parse(page, "Stop-SnekTunnel.md");
        XDocument maml = XDocument.Parse(MamlWriter.Write([parsed]));
        Assert.Equal("Stops <tunnels> & \"things\".", maml.Descendants(Command + "details").Single().Element(Maml + "description")!.Value);
    }
}
