using Jormungandr.Commands;
using Jormungandr.Lab;
using Jormungandr.Routing;

namespace Jormungandr.Tests;

/// <summary>In-memory policy routing with the kernel's semantics that matter: an identical rule or route twice is EEXIST, deleting a missing one is fine.</summary>
internal sealed class FakePolicyRouting : IPolicyRouting
{
    public List<HostChange> Installed { get; } = [];

    public List<string> Log { get; } = [];

    /// <summary>Fail the add of this change (as the kernel would with EEXIST).</summary>
    public HostChange? FailOn { get; set; }

    public void AddRule(RuleChange rule) => Add(rule);

    public void DeleteRule(RuleChange rule) => Delete(rule);

    public void AddDefaultRoute(TableRouteChange route) => Add(route);

    public void DeleteDefaultRoute(TableRouteChange route) => Delete(route);

    private void Add(HostChange change)
    {
        Log.Add("add " + change.Describe());
        if (change.Equals(FailOn) || Installed.Contains(change))
        {
            throw new SnekException("InterfaceConfigFailed", ErrorKind.ResourceExists, $"Cannot add {change.Describe()}: File exists.");
        }

        Installed.Add(change);
    }

    private void Delete(HostChange change)
    {
        Log.Add("delete " + change.Describe());
        Installed.Remove(change);
    }
}

/// <summary>Remembers applied rulesets by the table they define; a delete removes it.</summary>
internal sealed class FakeNftables : INftables
{
    public Dictionary<string, string> Tables { get; } = [];

    public void Apply(string ruleset)
    {
        string name = ruleset.Split(' ')[3].TrimEnd(';');
        Tables[name] = ruleset;
    }

    public void DeleteTable(string family, string name) => Tables.Remove(name);
}

internal sealed class FakeSysctl : ISysctl
{
    public Dictionary<string, string> Values { get; } = new()
    {
        ["net.ipv4.ip_forward"] = "0",
        ["net.ipv6.conf.all.forwarding"] = "0",
        ["net.ipv4.conf.all.src_valid_mark"] = "0",
    };

    public string Read(string key) => Values[key];

    public void Write(string key, string value) => Values[key] = value;
}

/// <summary>Records every command; programs in <see cref="Installed"/> exist and succeed unless named in <see cref="Failing"/>.</summary>
internal sealed class FakeHostCommands : IHostCommands
{
    public HashSet<string> Installed { get; } = [];

    public HashSet<string> Failing { get; } = [];

    public List<(string Program, string[] Arguments, string? Input)> Runs { get; } = [];

    public bool Exists(string program) => Installed.Contains(program);

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        Runs.Add((program, [.. arguments], input));
        bool fails = Failing.Contains(program);
        return new ProcessResult(program + " " + string.Join(' ', arguments), fails ? 1 : 0, string.Empty, fails ? "it failed\nsecond line" : string.Empty, false, false, TimeSpan.Zero);
    }
}

internal sealed class FakeHost
{
    public FakePolicyRouting Routing { get; } = new();

    public FakeNftables Nftables { get; } = new();

    public FakeSysctl Sysctl { get; } = new();

    public FakeHostCommands Commands { get; } = new();

    public string ResolvedDirectory { get; set; } = "/nonexistent/resolved";

    public HostSystem System => new(Routing, Nftables, Sysctl, Commands, ResolvedDirectory);
}
