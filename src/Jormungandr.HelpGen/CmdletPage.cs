namespace Jormungandr.HelpGen;

/// <summary>One cmdlet's help page, as read from its Markdown file.</summary>
internal sealed class CmdletPage
{
    public string Name { get; set; } = "";
    public string Synopsis { get; set; } = "";
    public List<string> Description { get; } = [];
    public List<SyntaxSet> Syntax { get; } = [];
    public List<HelpExample> Examples { get; } = [];
    public List<HelpParameter> Parameters { get; } = [];
    public bool CommonParameters { get; set; }
    public List<TypeNote> Inputs { get; } = [];
    public List<TypeNote> Outputs { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> RelatedLinks { get; } = [];

    public string Verb => Name.Split('-', 2)[0];

    public string Noun => Name.Contains('-', StringComparison.Ordinal) ? Name.Split('-', 2)[1] : "";
}

/// <summary>A parameter set from the SYNTAX section: its name and the syntax line shown.</summary>
internal sealed record SyntaxSet(string Name, bool IsDefault, string Line);

/// <summary>An example: title, code and the explanation after it.</summary>
internal sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>An input or output type with its explanation.</summary>
internal sealed record TypeNote(string TypeName, IReadOnlyList<string> Description);

/// <summary>A parameter: description plus one metadata block per group of parameter sets.</summary>
internal sealed class HelpParameter
{
    public string Name { get; set; } = "";
    public List<string> Description { get; } = [];
    public List<ParameterMetadata> Metadata { get; } = [];

    public string Type => Metadata.Count > 0 ? Metadata[0].Type : "Object";

    public IReadOnlyList<string> Aliases => Metadata.Count > 0 ? Metadata[0].Aliases : [];
}

/// <summary>The yaml block of a parameter (one per group of parameter sets with the same settings).</summary>
internal sealed record ParameterMetadata(
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    bool Required,
    string Position,
    string DefaultValue,
    string PipelineInput,
    bool Wildcards)
{
    public bool AppliesTo(string set) => ParameterSets.Contains("(All)") || ParameterSets.Contains(set, StringComparer.OrdinalIgnoreCase);

    public bool ByValue => PipelineInput.Contains("ByValue", StringComparison.OrdinalIgnoreCase);

    public bool ByPropertyName => PipelineInput.Contains("ByPropertyName", StringComparison.OrdinalIgnoreCase);
}
