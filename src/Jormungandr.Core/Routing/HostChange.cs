namespace Jormungandr.Routing;

/// <summary>
/// One change a tunnel made to the host, recorded in the <see cref="HostJournal"/> before it is made so
/// it can be undone exactly: at stop, or at the next start after a crash. Each kind knows its journal
/// line (<see cref="HostJournalFormat"/>) and <see cref="HostSystem.Revert"/> knows its undo.
/// </summary>
internal abstract record HostChange
{
    /// <summary>What was changed, for logs and errors (e.g. <c>ip -6 rule 32761: not fwmark 0x536e lookup 21358</c>).</summary>
    public abstract string Describe();
}

/// <summary>A policy routing rule "[not] [fwmark M] lookup TABLE [suppress_prefixlength N]" at a fixed priority.</summary>
/// <param name="V6">IPv6 (<c>ip -6 rule</c>) rather than IPv4.</param>
/// <param name="Priority">The rule's preference; fixed so the delete names exactly this rule.</param>
/// <param name="Table">The table it looks up.</param>
/// <param name="FwMark">Firewall mark matched with an all-ones mask, or null for every packet.</param>
/// <param name="Invert">"not": the rule applies to packets that do not match.</param>
/// <param name="SuppressPrefixLength">Ignore routes of this prefix length or shorter from the table, or null.</param>
internal sealed record RuleChange(bool V6, uint Priority, uint Table, uint? FwMark, bool Invert, uint? SuppressPrefixLength) : HostChange
{
    /// <inheritdoc/>
    public override string Describe() =>
        $"ip{(V6 ? " -6" : string.Empty)} rule {Priority}: {(Invert ? "not " : string.Empty)}{(FwMark is uint m ? $"fwmark 0x{m:x} " : "from all ")}lookup {Table}"
        + (SuppressPrefixLength is uint s ? $" suppress_prefixlength {s}" : string.Empty);
}

/// <summary>The default route of one family through the tunnel interface in a routing table of its own.</summary>
internal sealed record TableRouteChange(bool V6, uint Table, string Interface) : HostChange
{
    /// <inheritdoc/>
    public override string Describe() => $"ip{(V6 ? " -6" : string.Empty)} route default dev {Interface} table {Table}";
}

/// <summary>An nftables table of our own (every rule of ours lives in it, so deleting it removes them all).</summary>
/// <param name="Family">nftables family, <c>inet</c>.</param>
/// <param name="Name">The table name, e.g. <c>snek_gateway_snk0</c>.</param>
internal sealed record NftTableChange(string Family, string Name) : HostChange
{
    /// <inheritdoc/>
    public override string Describe() => $"nftables table {Family} {Name}";
}

/// <summary>A kernel setting changed from <paramref name="Previous"/> to <paramref name="Applied"/>.</summary>
/// <param name="Key">Dotted name, e.g. <c>net.ipv4.ip_forward</c>.</param>
/// <param name="Previous">The value before; restored only while the setting still holds <paramref name="Applied"/>.</param>
/// <param name="Applied">The value we wrote.</param>
internal sealed record SysctlChange(string Key, string Previous, string Applied) : HostChange
{
    /// <inheritdoc/>
    public override string Describe() => $"sysctl {Key} = {Applied} (was {Previous})";
}

/// <summary>DNS servers and search domains of the tunnel, given to resolvconf or systemd-resolved, or written to a resolv.conf.</summary>
/// <param name="Method">How they were applied.</param>
/// <param name="Name">resolvconf record or interface name (<see cref="DnsMethod.Resolvconf"/>, <see cref="DnsMethod.Resolved"/>), else the tunnel interface.</param>
/// <param name="Target">The resolv.conf replaced (<see cref="DnsMethod.File"/> only).</param>
/// <param name="Original">What <paramref name="Target"/> was before (<see cref="DnsMethod.File"/> only).</param>
/// <param name="Backup">A regular file's saved copy, or a symbolic link's target (<see cref="DnsMethod.File"/> only).</param>
/// <param name="WrittenSha256">Hex SHA-256 of the file we wrote: restored only while it is still ours (<see cref="DnsMethod.File"/> only).</param>
internal sealed record DnsChange(DnsMethod Method, string Name, string? Target = null, ResolvConfOriginal Original = ResolvConfOriginal.None, string? Backup = null, string? WrittenSha256 = null) : HostChange
{
    /// <inheritdoc/>
    public override string Describe() => Method switch
    {
        DnsMethod.Resolvconf => $"DNS through resolvconf record {Name}",
        DnsMethod.Resolved => $"DNS through systemd-resolved on {Name}",
        _ => $"DNS in {Target}",
    };
}

/// <summary>What a replaced resolv.conf was.</summary>
internal enum ResolvConfOriginal
{
    /// <summary>There was no file.</summary>
    None,

    /// <summary>A regular file, copied to the backup.</summary>
    File,

    /// <summary>A symbolic link; the backup field holds its target.</summary>
    Link,
}
