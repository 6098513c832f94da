namespace Jormungandr.Routing;

/// <summary>The host's nftables ruleset, changed only through tables of our own.</summary>
internal interface INftables
{
    /// <summary>Applies a ruleset text as one transaction (all or nothing).</summary>
    void Apply(string ruleset);

    /// <summary>Deletes the table if it exists.</summary>
    void DeleteTable(string family, string name);
}
