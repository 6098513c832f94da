using System.Reflection;

namespace Jormungandr.Tests;

/// <summary>
/// The repository root for these tests: recorded at build time (works with --artifacts-path outside the
/// tree, where the test binary has no Jormungandr.sln above it), else the shared lookup.
/// </summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        string? recorded = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "JormungandrRepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "Jormungandr.sln")))
        {
            return Path.GetFullPath(recorded);
        }

        return TestPaths.RepositoryRoot;
    }
}
