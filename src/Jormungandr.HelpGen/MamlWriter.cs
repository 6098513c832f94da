using System.Globalization;
using System.Text;
using System.Xml;

namespace Jormungandr.HelpGen;

/// <summary>Writes cmdlet pages as the MAML file Get-Help reads for a binary module (&lt;dll&gt;-Help.xml).</summary>
internal static class MamlWriter
{
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelp = "http://msdn.microsoft.com/mshelp";

    public static string Write(IEnumerable<CmdletPage> pages)
    {
        StringBuilder text = new();
        XmlWriterSettings settings = new() { Indent = true, Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using (XmlWriter x = XmlWriter.Create(new StringWriter(text, CultureInfo.InvariantCulture), settings))
        {
            x.WriteStartDocument();
            x.WriteStartElement("helpItems", "http://msh");
            x.WriteAttributeString("schema", "maml");
            foreach (CmdletPage page in pages)
            {
                WriteCommand(x, page);
            }

            x.WriteEndElement();
            x.WriteEndDocument();
        }

        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    private static void WriteCommand(XmlWriter x, CmdletPage page)
    {
        x.WriteStartElement("command", "command", Command);
        x.WriteAttributeString("xmlns", "maml", null, Maml);
        x.WriteAttributeString("xmlns", "dev", null, Dev);
        x.WriteAttributeString("xmlns", "MSHelp", null, MsHelp);

        x.WriteStartElement("command", "details", Command);
        x.WriteElementString("command", "name", Command, page.Name);
        x.WriteElementString("command", "verb", Command, page.Verb);
        x.WriteElementString("command", "noun", Command, page.Noun);
        Description(x, "maml", Maml, [page.Synopsis]);
        x.WriteEndElement();

        Description(x, "maml", Maml, page.Description);

        x.WriteStartElement("command", "syntax", Command);
        foreach (SyntaxSet set in page.Syntax)
        {
            x.WriteStartElement("command", "syntaxItem", Command);
            x.WriteElementString("maml", "name", Maml, page.Name);
            foreach ((HelpParameter p, ParameterMetadata m) in ParametersOf(page, set.Name))
            {
                Parameter(x, p, m);
            }

            x.WriteEndElement();
        }

        x.WriteEndElement();

        x.WriteStartElement("command", "parameters", Command);
        foreach (HelpParameter p in page.Parameters)
        {
            Parameter(x, p, p.Metadata[0]);
        }

        x.WriteEndElement();

        TypeNotes(x, "inputTypes", "inputType", page.Inputs);
        TypeNotes(x, "returnValues", "returnValue", page.Outputs);

        x.WriteStartElement("maml", "alertSet", Maml);
        x.WriteStartElement("maml", "alert", Maml);
        foreach (string note in page.Notes)
        {
            x.WriteElementString("maml", "para", Maml, note);
        }

        x.WriteEndElement();
        x.WriteEndElement();

        x.WriteStartElement("command", "examples", Command);
        foreach (HelpExample example in page.Examples)
        {
            x.WriteStartElement("command", "example", Command);
            x.WriteElementString("maml", "title", Maml, $"-------------------------- {example.Title} --------------------------");
            x.WriteElementString("dev", "code", Dev, example.Code);
            x.WriteStartElement("dev", "remarks", Dev);
            foreach (string remark in example.Remarks)
            {
                x.WriteElementString("maml", "para", Maml, remark);
            }

            x.WriteEndElement();
            x.WriteEndElement();
        }

        x.WriteEndElement();

        x.WriteStartElement("command", "relatedLinks", Command);
        foreach (string link in page.RelatedLinks)
        {
            (string linkText, string uri) = SplitLink(link);
            x.WriteStartElement("maml", "navigationLink", Maml);
            x.WriteElementString("maml", "linkText", Maml, linkText);
            x.WriteElementString("maml", "uri", Maml, uri);
            x.WriteEndElement();
        }

        x.WriteEndElement();
        x.WriteEndElement();
    }

    /// <summary>The parameters of one set, positional ones first by position, then the named ones in page order.</summary>
    internal static List<(HelpParameter Parameter, ParameterMetadata Metadata)> ParametersOf(CmdletPage page, string set)
    {
        List<(HelpParameter, ParameterMetadata)> result = [];
        foreach (HelpParameter p in page.Parameters)
        {
            ParameterMetadata? m = set == CmdletPageParser.AllParameterSets
                ? p.Metadata[0]
                : p.Metadata.FirstOrDefault(md => md.AppliesTo(set));
            if (m is not null)
            {
                result.Add((p, m));
            }
        }

        return [.. result.OrderBy(r => int.TryParse(r.Item2.Position, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue)];
    }

    private static void Parameter(XmlWriter x, HelpParameter p, ParameterMetadata m)
    {
        bool isSwitch = m.Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);
        x.WriteStartElement("command", "parameter", Command);
        x.WriteAttributeString("required", m.Required ? "true" : "false");
        x.WriteAttributeString("variableLength", m.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        x.WriteAttributeString("globbing", m.Wildcards ? "true" : "false");
        x.WriteAttributeString("pipelineInput", m.PipelineInput);
        x.WriteAttributeString("position", m.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : m.Position);
        x.WriteAttributeString("aliases", m.Aliases.Count == 0 ? "none" : string.Join(", ", m.Aliases));
        x.WriteElementString("maml", "name", Maml, p.Name);
        Description(x, "maml", Maml, p.Description);
        if (!isSwitch)
        {
            x.WriteStartElement("command", "parameterValue", Command);
            x.WriteAttributeString("required", "true");
            x.WriteAttributeString("variableLength", m.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
            x.WriteString(m.Type);
            x.WriteEndElement();
        }

        x.WriteStartElement("dev", "type", Dev);
        x.WriteElementString("maml", "name", Maml, m.Type);
        x.WriteElementString("maml", "uri", Maml, "");
        x.WriteEndElement();
        x.WriteElementString("dev", "defaultValue", Dev, m.DefaultValue);
        x.WriteEndElement();
    }

    private static void TypeNotes(XmlWriter x, string outer, string inner, List<TypeNote> notes)
    {
        x.WriteStartElement("command", outer, Command);
        foreach (TypeNote note in notes)
        {
            x.WriteStartElement("command", inner, Command);
            x.WriteStartElement("dev", "type", Dev);
            x.WriteElementString("maml", "name", Maml, note.TypeName);
            x.WriteEndElement();
            Description(x, "maml", Maml, note.Description);
            x.WriteEndElement();
        }

        x.WriteEndElement();
    }

    private static void Description(XmlWriter x, string prefix, string ns, IEnumerable<string> paragraphs)
    {
        x.WriteStartElement(prefix, "description", ns);
        foreach (string para in paragraphs)
        {
            x.WriteElementString("maml", "para", Maml, para);
        }

        x.WriteEndElement();
    }

    private static (string Text, string Uri) SplitLink(string link)
    {
        // [text](uri) → (text, uri); plain text → (text, "")
        int close = link.IndexOf("](", StringComparison.Ordinal);
        if (link.StartsWith('[') && close > 0 && link.EndsWith(')'))
        {
            return (link[1..close], link[(close + 2)..^1]);
        }

        return (link, "");
    }
}
