using System.Runtime.CompilerServices;

namespace Jormungandr.Tests;

/// <summary>
/// Repository paths for the legacy tests. Falls back to this source file's location when the test binary
/// lives outside the tree (built with --artifacts-path /tmp/...), where TestPaths cannot walk up to the .sln.
/// </summary>
internal static class LegacyPaths
{
    public static string RepositoryRoot => Find();

    public static string Examples => Path.Combine(RepositoryRoot, "examples", "legacy");

    public static string PythonInterop => Path.Combine(RepositoryRoot, "tests", "interop", "legacy-python");

    private static string Find([CallerFilePath] string sourceFile = "")
    {
        try
        {
            return TestPaths.RepositoryRoot;
        }
        catch (InvalidOperationException)
        {
            // tests/unit/Jormungandr.Legacy.Tests/LegacyPaths.cs -> repository root
            return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "..", ".."));
        }
    }
}
