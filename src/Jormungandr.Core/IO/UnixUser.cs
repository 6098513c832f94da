using System.Runtime.InteropServices;
using Jormungandr.Interop;

namespace Jormungandr.IO;

/// <summary>The user this process acts as, for ownership checks on key files.</summary>
internal static partial class UnixUser
{
    /// <summary>The uid of root.</summary>
    public const uint RootId = 0;

    /// <summary>The effective uid of this process (the one the kernel checks file access against); null on Windows.</summary>
    public static uint? EffectiveId => OperatingSystem.IsWindows() ? null : LibC.GetEffectiveUserId();
}
