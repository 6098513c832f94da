using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Jormungandr.Crypto;

namespace Jormungandr.Cli;

/// <summary><c>snek version</c>: what is running, on what, with which crypto providers.</summary>
internal static class VersionCli
{
    /// <summary>Creates the <c>version</c> subcommand.</summary>
    public static Command Create()
    {
        Command command = new("version", "Show the snek version, .NET runtime, active ML-KEM/ML-DSA providers and OS.");
        command.SetAction(parse =>
        {
            ConsoleOutput output = CliRunner.CreateOutput(parse);
            output.WriteObject(Current());
            output.Flush();
            return 0;
        });
        return command;
    }

    /// <summary>The version information of this process.</summary>
    public static SnekVersionInfo Current()
    {
        Assembly assembly = typeof(VersionCli).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return new SnekVersionInfo
        {
            Version = plus >= 0 ? version[..plus] : version,
            Runtime = RuntimeInformation.FrameworkDescription,
            MlKemProvider = MlKem.Provider.Name,
            MlDsaProvider = MlDsa.Provider.Name,
            OS = RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        };
    }
}

/// <summary>What <c>snek version</c> prints.</summary>
internal sealed class SnekVersionInfo
{
    /// <summary>snek's version, e.g. 0.1.0.</summary>
    public string Version { get; set; } = string.Empty;

    /// <summary>The .NET runtime, e.g. ".NET 10.0.0".</summary>
    public string Runtime { get; set; } = string.Empty;

    /// <summary>Name of the active ML-KEM provider ("managed" or the platform's).</summary>
    public string MlKemProvider { get; set; } = string.Empty;

    /// <summary>Name of the active ML-DSA provider.</summary>
    public string MlDsaProvider { get; set; } = string.Empty;

    /// <summary>Operating system and architecture.</summary>
    public string OS { get; set; } = string.Empty;
}
