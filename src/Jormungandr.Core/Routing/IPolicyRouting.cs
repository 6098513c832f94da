namespace Jormungandr.Routing;

/// <summary>Policy rules and per-table routes of the host (the calling thread's network namespace).</summary>
internal interface IPolicyRouting
{
    /// <summary>Adds the rule; an identical rule already there is an error (<c>ResourceExists</c>).</summary>
    void AddRule(RuleChange rule);

    /// <summary>Deletes exactly this rule; a rule that is not there is fine.</summary>
    void DeleteRule(RuleChange rule);

    /// <summary>Adds the default route through the interface in the table; one already there is an error.</summary>
    void AddDefaultRoute(TableRouteChange route);

    /// <summary>Deletes that route; nothing to do when it or its interface is gone (the kernel removed it with the interface).</summary>
    void DeleteDefaultRoute(TableRouteChange route);
}
