using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Interop;

namespace Jormungandr.Routing;

/// <summary>
/// <see cref="IPolicyRouting"/> over rtnetlink (<see cref="RtNetlinkMessages.Rule"/>,
/// <see cref="RtNetlinkMessages.NewDefaultRoute"/>): the requests <c>ip rule add|del</c> and
/// <c>ip route add|del default dev X table T</c> send, without iproute2 at run time. Each call works in
/// the network namespace of the calling thread.
/// </summary>
internal sealed class NetlinkPolicyRouting : IPolicyRouting
{
    private const int ENOENT = 2;
    private const int ESRCH = 3;
    private const int ENODEV = 19;

    /// <inheritdoc/>
    public void AddRule(RuleChange rule)
    {
        string what = "add " + rule.Describe();
        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        uint sequence = socket.NextSequence();
        RtNetlinkCall.Acknowledge(socket, RtNetlinkMessages.Rule(sequence, add: true, rule.V6, rule.Priority, rule.Table, rule.FwMark, rule.Invert, rule.SuppressPrefixLength), sequence, what);
    }

    /// <inheritdoc/>
    public void DeleteRule(RuleChange rule)
    {
        string what = "delete " + rule.Describe();
        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        uint sequence = socket.NextSequence();
        int errno = RtNetlinkCall.TryAcknowledge(socket, RtNetlinkMessages.Rule(sequence, add: false, rule.V6, rule.Priority, rule.Table, rule.FwMark, rule.Invert, rule.SuppressPrefixLength), sequence, what);
        if (errno is not (0 or ENOENT))
        {
            throw RtNetlinkCall.Failure(what, errno, null);
        }
    }

    /// <inheritdoc/>
    public void AddDefaultRoute(TableRouteChange route)
    {
        string what = "add " + route.Describe();
        int index = (int)LibC.InterfaceIndex(route.Interface);
        if (index <= 0)
        {
            throw new SnekException("PolicyRoutingFailed", ErrorKind.ObjectNotFound, $"Cannot {what}: no interface named {route.Interface}.", route.Interface);
        }

        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        uint sequence = socket.NextSequence();
        RtNetlinkCall.Acknowledge(socket, RtNetlinkMessages.NewDefaultRoute(sequence, index, route.V6, route.Table), sequence, what);
    }

    /// <inheritdoc/>
    public void DeleteDefaultRoute(TableRouteChange route)
    {
        int index = (int)LibC.InterfaceIndex(route.Interface);
        if (index <= 0)
        {
            return; // the route went with its interface; deleting by table alone could hit a route that is not ours
        }

        string what = "delete " + route.Describe();
        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        uint sequence = socket.NextSequence();
        int errno = RtNetlinkCall.TryAcknowledge(socket, RtNetlinkMessages.DeleteDefaultRoute(sequence, index, route.V6, route.Table), sequence, what);
        if (errno is not (0 or ENOENT or ESRCH or ENODEV))
        {
            throw RtNetlinkCall.Failure(what, errno, null);
        }
    }
}
