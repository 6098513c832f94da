using System.Net;

namespace Jormungandr.Engine.Linux;

/// <summary>The interface changes of a real tunnel, through rtnetlink (<see cref="InterfaceConfig"/>).</summary>
internal sealed class LinuxInterfaces : IInterfaceConfigurator
{
    /// <summary>The shared instance.</summary>
    public static LinuxInterfaces Instance { get; } = new();

    private LinuxInterfaces()
    {
    }

    /// <inheritdoc />
    public void AddAddress(string name, IPAddress address, int prefix) => InterfaceConfig.AddAddress(name, address, prefix);

    /// <inheritdoc />
    public void Up(string name, int mtu) => InterfaceConfig.Up(name, mtu);

    /// <inheritdoc />
    public void AddRoute(string name, IPNetwork network) => InterfaceConfig.AddRoute(name, network);

    /// <inheritdoc />
    public void RemoveRoute(string name, IPNetwork network) => InterfaceConfig.RemoveRoute(name, network);

    /// <inheritdoc />
    public void FlushAddresses(string name) => InterfaceConfig.FlushAddresses(name);
}
