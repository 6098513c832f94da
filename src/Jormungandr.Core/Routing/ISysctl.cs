namespace Jormungandr.Routing;

/// <summary>Kernel settings under /proc/sys (network ones are per network namespace).</summary>
internal interface ISysctl
{
    /// <summary>The current value, trimmed (e.g. <c>0</c>).</summary>
    string Read(string key);

    /// <summary>Sets the value.</summary>
    void Write(string key, string value);
}
