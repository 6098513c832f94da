using System.Net.Sockets;
using Jormungandr.Commands;

namespace Jormungandr.Routing;

/// <summary>
/// Marks a socket's packets (SO_MARK) so the policy rules of a full tunnel route them through the main
/// table, i.e. the underlay, instead of into the tunnel: the key channel and data channel sockets of a
/// full tunnel carry the tunnel's mark. Needs CAP_NET_ADMIN. Set before connect/bind so every packet,
/// the first SYN included, is marked.
/// </summary>
public static class SocketMark
{
    private const int SolSocket = 1;
    private const int SoMark = 36;

    /// <summary>Sets the mark; 0 clears it.</summary>
    /// <exception cref="SnekException"><c>SocketMarkFailed</c>: not permitted (no CAP_NET_ADMIN) or not supported.</exception>
    public static void Apply(Socket socket, uint mark)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> value = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(value, mark);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoMark, value);
        }
        catch (SocketException e)
        {
            throw new SnekException("SocketMarkFailed", ErrorKind.PermissionDenied,
                $"Cannot mark the tunnel's socket with 0x{mark:x} (SO_MARK needs CAP_NET_ADMIN): {e.Message}", mark, e);
        }
    }

    /// <summary>The socket's current mark.</summary>
    public static uint Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> value = stackalloc byte[4];
        int length = socket.GetRawSocketOption(SolSocket, SoMark, value);
        return length == 4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(value) : 0;
    }
}
