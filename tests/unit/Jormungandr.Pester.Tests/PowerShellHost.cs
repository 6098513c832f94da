using Microsoft.PowerShell;

namespace Jormungandr.Tests;

/// <summary>
/// pwsh's own entry point, so <c>dotnet Jormungandr.Pester.Tests.dll -NoProfile -File …</c> is a real
/// PowerShell 7.6 console host. The suite starts it as a child process for each Pester file.
/// </summary>
public static class PowerShellHost
{
    /// <summary>Runs PowerShell with pwsh's command line.</summary>
    public static int Main(string[] args) => UnmanagedPSEntry.Start(args, args.Length);
}
