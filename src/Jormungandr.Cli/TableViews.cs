namespace Jormungandr.Cli;

/// <summary>
/// Default table columns per output type (like a Format.ps1xml table view), so tables fit a terminal.
/// A single object is still listed with every property, and <c>--json</c> always has everything.
/// Types without an entry show every public property. Other areas may add one line for their types.
/// </summary>
internal static class TableViews
{
    /// <summary>Full type name → property names, in column order.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Columns = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Jormungandr.Identity.SnekCertificate"] = ["Name", "ShortFingerprint", "Protected", "Created", "PublicKeyPath", "PrivateKeyPath"],
        ["Jormungandr.Tunnel.SnekServerStatus"] = ["InterfaceName", "Sessions", "HandshakesInProgress", "Admitted", "Authenticated", "RefusedRate", "RefusedFull", "Evicted", "TimedOut"],
    };
}
