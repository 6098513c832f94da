using System.Globalization;

namespace Jormungandr.HelpGen;

/// <summary>Reads a platyPS-style cmdlet page; throws <see cref="HelpFormatException"/> on anything missing.</summary>
internal static class CmdletPageParser
{
    public const string AllParameterSets = "__AllParameterSets";

    public static CmdletPage Parse(string markdown, string fileName)
    {
        List<Block> blocks = MarkdownBlocks.Parse(markdown);
        CmdletPage page = new();
        string section = "";
        string sub = "";
        HelpParameter? parameter = null;
        List<string>? typeDescription = null;
        string? exampleTitle = null;
        string? exampleCode = null;
        List<string> exampleRemarks = [];

        void EndExample()
        {
            if (exampleTitle is not null)
            {
                if (exampleCode is null)
                {
                    throw Fail(fileName, $"example '{exampleTitle}' has no code block");
                }

                page.Examples.Add(new HelpExample(exampleTitle, exampleCode, [.. exampleRemarks]));
            }

            exampleTitle = null;
            exampleCode = null;
            exampleRemarks = [];
        }

        foreach (Block block in blocks)
        {
            switch (block)
            {
                case Heading { Level: 1 } h:
                    page.Name = h.Text;
                    break;
                case Heading { Level: 2 } h:
                    EndExample();
                    section = h.Text.ToUpperInvariant();
                    sub = "";
                    parameter = null;
                    typeDescription = null;
                    break;
                case Heading { Level: 3 } h:
                    EndExample();
                    sub = h.Text;
                    parameter = null;
                    typeDescription = null;
                    switch (section)
                    {
                        case "EXAMPLES":
                            exampleTitle = h.Text;
                            break;
                        case "PARAMETERS" when h.Text == "CommonParameters":
                            page.CommonParameters = true;
                            break;
                        case "PARAMETERS":
                            if (!h.Text.StartsWith('-'))
                            {
                                throw Fail(fileName, $"parameter heading '{h.Text}' must start with '-'");
                            }

                            parameter = new HelpParameter { Name = h.Text[1..] };
                            page.Parameters.Add(parameter);
                            break;
                        case "INPUTS":
                            typeDescription = [];
                            page.Inputs.Add(new TypeNote(h.Text, typeDescription));
                            break;
                        case "OUTPUTS":
                            typeDescription = [];
                            page.Outputs.Add(new TypeNote(h.Text, typeDescription));
                            break;
                    }

                    break;
                case Paragraph p:
                    switch (section)
                    {
                        case "SYNOPSIS":
                            page.Synopsis = page.Synopsis.Length == 0 ? p.Text : page.Synopsis + " " + p.Text;
                            break;
                        case "DESCRIPTION":
                            page.Description.Add(p.Text);
                            break;
                        case "EXAMPLES" when exampleTitle is not null:
                            exampleRemarks.Add(p.Text);
                            break;
                        case "PARAMETERS" when parameter is not null:
                            parameter.Description.Add(p.Text);
                            break;
                        case "INPUTS" or "OUTPUTS" when typeDescription is not null:
                            typeDescription.Add(p.Text);
                            break;
                        case "NOTES":
                            page.Notes.Add(p.Text);
                            break;
                        case "RELATED LINKS":
                            page.RelatedLinks.Add(p.Text.TrimStart('-', '*', ' '));
                            break;
                    }

                    break;
                case Code c:
                    switch (section)
                    {
                        case "SYNTAX" when sub.Length > 0:
                            bool isDefault = sub.EndsWith("(Default)", StringComparison.Ordinal);
                            string setName = isDefault ? sub[..^"(Default)".Length].Trim() : sub.Trim();
                            page.Syntax.Add(new SyntaxSet(setName, isDefault, string.Join(" ", c.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()))));
                            break;
                        case "EXAMPLES" when exampleTitle is not null:
                            exampleCode = exampleCode is null ? c.Text : exampleCode + "\n" + c.Text;
                            break;
                        case "PARAMETERS" when parameter is not null && c.Info == "yaml":
                            parameter.Metadata.Add(ParseYaml(c.Text, fileName, parameter.Name));
                            break;
                    }

                    break;
            }
        }

        EndExample();
        Check(page, fileName);
        return page;
    }

    private static ParameterMetadata ParseYaml(string text, string fileName, string parameter)
    {
        Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        string Get(string key) => values.TryGetValue(key, out string? v)
            ? v
            : throw Fail(fileName, $"parameter -{parameter}: yaml block lacks '{key}'");

        static IReadOnlyList<string> List(string v) =>
            v.Length == 0 || v.Equals("None", StringComparison.OrdinalIgnoreCase)
                ? []
                : [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

        string position = Get("Position");
        if (!position.Equals("Named", StringComparison.OrdinalIgnoreCase) && !int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Fail(fileName, $"parameter -{parameter}: Position must be Named or a number, not '{position}'");
        }

        return new ParameterMetadata(
            Get("Type"),
            List(Get("Parameter Sets")),
            List(Get("Aliases")),
            Bool(Get("Required"), fileName, parameter),
            position,
            Get("Default value"),
            Get("Accept pipeline input"),
            Bool(Get("Accept wildcard characters"), fileName, parameter));
    }

    private static bool Bool(string value, string fileName, string parameter) =>
        value.Equals("True", StringComparison.OrdinalIgnoreCase) ? true
        : value.Equals("False", StringComparison.OrdinalIgnoreCase) ? false
        : throw Fail(fileName, $"parameter -{parameter}: '{value}' is not True or False");

    private static void Check(CmdletPage page, string fileName)
    {
        if (page.Name.Length == 0 || !page.Name.Contains('-', StringComparison.Ordinal))
        {
            throw Fail(fileName, "no '# Verb-Noun' title");
        }

        if (page.Synopsis.Length == 0)
        {
            throw Fail(fileName, "empty SYNOPSIS");
        }

        if (page.Syntax.Count == 0)
        {
            throw Fail(fileName, "no parameter set under SYNTAX");
        }

        if (page.Description.Count == 0)
        {
            throw Fail(fileName, "empty DESCRIPTION");
        }

        if (page.Examples.Count < 2)
        {
            throw Fail(fileName, "fewer than two EXAMPLES");
        }

        foreach (HelpParameter p in page.Parameters)
        {
            if (p.Description.Count == 0 || p.Metadata.Count == 0)
            {
                throw Fail(fileName, $"parameter -{p.Name} needs a description and a yaml block");
            }
        }

        if (page.Inputs.Count == 0 || page.Outputs.Count == 0)
        {
            throw Fail(fileName, "INPUTS and OUTPUTS need at least one type each");
        }

        if (page.Notes.Count == 0)
        {
            throw Fail(fileName, "empty NOTES");
        }
    }

    private static HelpFormatException Fail(string fileName, string problem) => new($"{fileName}: {problem}.");
}
