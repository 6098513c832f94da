namespace Jormungandr.Commands;

/// <summary>The exit codes of <c>snek</c>, documented in the README. Stable: scripts test them.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;
    /// <summary>Unclassified failure.</summary>
    public const int Failure = 1;
    /// <summary>Bad command line or parameter value.</summary>
    public const int Usage = 2;
    /// <summary>A named file, key, session or tunnel does not exist.</summary>
    public const int NotFound = 3;
    /// <summary>Permission denied (not root, file modes).</summary>
    public const int PermissionDenied = 4;
    /// <summary>Authentication or integrity failure (unknown key, bad signature, bad MAC).</summary>
    public const int Security = 5;
    /// <summary>Network failure or timeout.</summary>
    public const int Network = 6;
    /// <summary>Malformed input data or protocol violation by the peer.</summary>
    public const int Data = 7;
    /// <summary>Target already exists.</summary>
    public const int Exists = 8;
    /// <summary>Something required is missing on this machine.</summary>
    public const int Unavailable = 9;
    /// <summary>Interrupted (Ctrl+C / SIGTERM), as shells report 128 + SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code for an error kind.</summary>
    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => Usage,
        ErrorKind.ObjectNotFound => NotFound,
        ErrorKind.PermissionDenied => PermissionDenied,
        ErrorKind.SecurityError => Security,
        ErrorKind.ConnectionError or ErrorKind.OperationTimeout => Network,
        ErrorKind.InvalidData or ErrorKind.ProtocolError => Data,
        ErrorKind.ResourceExists => Exists,
        ErrorKind.ResourceUnavailable => Unavailable,
        ErrorKind.OperationStopped => Interrupted,
        _ => Failure,
    };
}
