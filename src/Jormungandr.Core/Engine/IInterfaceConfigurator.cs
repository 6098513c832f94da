using System.Net;

namespace Jormungandr.Engine;

/// <summary>The address and route changes a tunnel makes to its own interface (netlink on Linux; recorded in tests).</summary>
internal interface IInterfaceConfigurator
{
    /// <summary>Adds <paramref name="address"/>/<paramref name="prefix"/> to the interface.</summary>
    void AddAddress(string name, IPAddress address, int prefix);

    /// <summary>Sets the MTU and brings the interface up.</summary>
    void Up(string name, int mtu);

    /// <summary>Routes <paramref name="network"/> into the interface.</summary>
    void AddRoute(string name, IPNetwork network);

    /// <summary>Removes the route to <paramref name="network"/> through the interface (gone already is fine).</summary>
    void RemoveRoute(string name, IPNetwork network);

    /// <summary>Removes every address of the interface.</summary>
    void FlushAddresses(string name);
}
