namespace Jormungandr.Commands;

/// <summary>
/// The one definition of which columns each output type shows by default, used by <c>snek</c>'s tables
/// and written into the module's format file (Jormungandr.Format.ps1xml) at build. Every view fits a
/// 120-column terminal; everything else is in <c>Format-List *</c>, <c>snek … --list</c> and JSON.
/// </summary>
public static class DefaultTableViews
{
    /// <summary>The terminal width every default view fits.</summary>
    public const int TerminalWidth = 120;

    /// <summary>Every default view, by type name.</summary>
    public static IReadOnlyList<TableView> All { get; } =
    [
        new("Jormungandr.Identity.SnekCertificate",
        [
            new("Name", 16),
            new("ShortFingerprint", 19, Label: "Fingerprint"),
            new("Protected", 9),
            new("Created", 20, Format: "u"),
            new("PublicKeyPath", 0),
        ]),
        new("Jormungandr.Tunnel.SnekSession",
        [
            new("InterfaceName", 9, Label: "Interface"),
            new("Role", 6),
            new("PeerName", 13, Label: "Peer"),
            new("Endpoint", 21),
            new("TunnelAddresses", 23, Label: "Addresses"),
            new("State", 11),
            new("BytesIn", 12, AlignRight: true),
            new("BytesOut", 12, AlignRight: true),
            new("Drops", 0, AlignRight: true),
        ]),
        new("Jormungandr.Tunnel.SnekSessionEvent",
        [
            new("Time", 20, Format: "u"),
            new("InterfaceName", 9, Label: "Interface"),
            new("Kind", 12),
            new("PeerFingerprint", 20, Label: "Peer"),
            new("Endpoint", 22),
            new("Message", 0),
        ]),
        new("Jormungandr.Tunnel.SnekServerStatus",
        [
            new("InterfaceName", 9, Label: "Interface"),
            new("Sessions", 8, AlignRight: true),
            new("HandshakesInProgress", 11, Label: "Handshakes", AlignRight: true),
            new("Admitted", 10, AlignRight: true),
            new("Authenticated", 13, AlignRight: true),
            new("RefusedRate", 11, AlignRight: true),
            new("RefusedFull", 11, AlignRight: true),
            new("Evicted", 10, AlignRight: true),
            new("TimedOut", 10, AlignRight: true),
            new("Unauthorized", 0, AlignRight: true),
        ]),
        new("Jormungandr.Legacy.LegacyEchoReply",
        [
            new("Message", 30),
            new("Reply", 30),
            new("Cipher", 10),
            new("KeySize", 7, AlignRight: true),
            new("Server", 0),
        ]),
        new("Jormungandr.Legacy.LegacyEchoMessage",
        [
            new("Client", 22),
            new("Cipher", 10),
            new("KeySize", 7, AlignRight: true),
            new("Text", 30),
            new("Reply", 0),
        ]),
        new("Jormungandr.Provisioning.SnekClient",
        [
            new("Name", 16),
            new("ShortFingerprint", 19, Label: "Fingerprint"),
            new("Addresses", 26),
            new("Networks", 26),
            new("ProfilePath", 0),
        ]),
        new("Jormungandr.Service.SnekServiceStatus",
        [
            new("Unit", 36),
            new("Installed", 9),
            new("Current", 7),
            new("Enabled", 7),
            new("ActiveState", 11),
            new("StatusText", 0),
        ]),
    ];

    /// <summary>The default view of <paramref name="typeName"/>, or null when it has none.</summary>
    public static TableView? Find(string typeName)
    {
        foreach (TableView view in All)
        {
            if (view.TypeName == typeName)
            {
                return view;
            }
        }

        return null;
    }
}
