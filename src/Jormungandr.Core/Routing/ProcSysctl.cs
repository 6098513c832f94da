using Jormungandr.Commands;

namespace Jormungandr.Routing;

/// <summary>
/// <see cref="ISysctl"/> on /proc/sys files. A net.* setting belongs to the network namespace of the
/// thread that opens the file. Keys are checked (letters, digits, '_', '-', '.') so none can name a
/// path outside /proc/sys.
/// </summary>
internal sealed class ProcSysctl : ISysctl
{
    private readonly string _root;

    /// <summary>Settings under <paramref name="root"/> (default /proc/sys).</summary>
    public ProcSysctl(string root = "/proc/sys")
    {
        _root = root;
    }

    /// <inheritdoc/>
    public string Read(string key)
    {
        string path = PathOf(key);
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("SysctlFailed", ErrorKind.ResourceUnavailable, $"Cannot read {key}: {e.Message}", key, e);
        }
    }

    /// <inheritdoc/>
    public void Write(string key, string value)
    {
        string path = PathOf(key);
        try
        {
            File.WriteAllText(path, value + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("SysctlFailed", ErrorKind.PermissionDenied, $"Cannot set {key} to {value}: {e.Message}", key, e);
        }
    }

    private string PathOf(string key)
    {
        bool ok = key.Length is > 0 and <= 128 && !key.StartsWith('.') && !key.Contains("..", StringComparison.Ordinal);
        foreach (char c in key)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
        }

        if (!ok)
        {
            throw new SnekException("SysctlFailed", ErrorKind.InvalidArgument, $"'{key}' is not a kernel setting name.", key);
        }

        return Path.Combine(_root, key.Replace('.', '/'));
    }
}
