using System.Runtime.InteropServices;

namespace Jormungandr.Tests;

/// <summary>Environment checks behind the conditional test attributes; each gives the reason a test skips.</summary>
internal static class Conditions
{
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    /// <summary>Null when root, Linux TUN and network namespaces are usable; otherwise why not.</summary>
    public static string? WhyNoNetworkLab()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (TUN and network namespaces)";
        }

        if (GetEuid() != 0)
        {
            return "needs root to create network namespaces and TUN devices";
        }

        if (!File.Exists("/dev/net/tun"))
        {
            return "needs /dev/net/tun";
        }

        if (FindOnPath("ip") is null)
        {
            return "needs the 'ip' command (iproute2)";
        }

        return null;
    }

    /// <summary>Null when the NIST ACVP vectors are present; otherwise where they were looked for.</summary>
    public static string? WhyNoVectors() =>
        TestPaths.VectorsDirectory is null
            ? "NIST ACVP vectors not found: set JORMUNGANDR_VECTORS or place them in ../shared/vectors beside the repository"
            : null;

    /// <summary>The ahead-of-time compiled snek named by JORMUNGANDR_AOT_SNEK, or null.</summary>
    public static string? AotSnek =>
        Environment.GetEnvironmentVariable("JORMUNGANDR_AOT_SNEK") is { Length: > 0 } path && File.Exists(path) ? path : null;

    /// <summary>Null when an ahead-of-time compiled snek is given; otherwise how to give one.</summary>
    public static string? WhyNoAotSnek() =>
        AotSnek is null
            ? "no ahead-of-time compiled snek: set JORMUNGANDR_AOT_SNEK to one (bash .ci/run publishes it with PublishAot, which needs clang)"
            : null;

    /// <summary>Null when a program is on PATH; otherwise a reason naming it.</summary>
    public static string? WhyNoProgram(string name) =>
        FindOnPath(name) is null ? $"needs '{name}' on PATH" : null;

    /// <summary>Full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null)
        {
            return null;
        }

        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that runs only as root with TUN and namespaces; otherwise skipped with the reason.</summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public NetworkLabFactAttribute()
    {
        Skip = Conditions.WhyNoNetworkLab();
    }
}

/// <summary>A theory that runs only as root with TUN and namespaces; otherwise skipped with the reason.</summary>
public sealed class NetworkLabTheoryAttribute : TheoryAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public NetworkLabTheoryAttribute()
    {
        Skip = Conditions.WhyNoNetworkLab();
    }
}

/// <summary>A fact that needs the shared NIST ACVP vectors; skipped with a clear message when absent.</summary>
public sealed class VectorsFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public VectorsFactAttribute()
    {
        Skip = Conditions.WhyNoVectors();
    }
}

/// <summary>A theory that needs the shared NIST ACVP vectors; skipped with a clear message when absent.</summary>
public sealed class VectorsTheoryAttribute : TheoryAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public VectorsTheoryAttribute()
    {
        Skip = Conditions.WhyNoVectors();
    }
}

/// <summary>A fact that needs a program on PATH (node, python3, iperf3…); skipped naming it when absent.</summary>
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public RequiresProgramFactAttribute(string program)
    {
        Skip = Conditions.WhyNoProgram(program);
    }
}

/// <summary>A fact about the ahead-of-time compiled snek (JORMUNGANDR_AOT_SNEK); with needsNetworkLab also root, TUN and namespaces.</summary>
public sealed class AotSnekFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public AotSnekFactAttribute(bool needsNetworkLab = false)
    {
        Skip = Conditions.WhyNoAotSnek() ?? (needsNetworkLab ? Conditions.WhyNoNetworkLab() : null);
    }
}
