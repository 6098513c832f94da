namespace Jormungandr.Tests;

/// <summary>Where the repository and the shared NIST vectors are, found by walking up from the test binary.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding Jormungandr.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>
    /// The ACVP vectors folder: $JORMUNGANDR_VECTORS, else ../shared/vectors beside the repository.
    /// Null when absent; tests then skip with a message saying so. Vectors are never copied into the repo.
    /// </summary>
    public static string? VectorsDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("JORMUNGANDR_VECTORS");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            {
                return env;
            }

            string? root = TryFindRepositoryRoot();
            if (root is null)
            {
                return null;
            }

            string candidate = Path.GetFullPath(Path.Combine(root, "..", "shared", "vectors"));
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    private static string FindRepositoryRoot() =>
        TryFindRepositoryRoot()
        ?? throw new InvalidOperationException("Cannot find Jormungandr.sln above the test binary or the working directory; set JORMUNGANDR_REPO.");

    // Null rather than throwing, so vector-dependent tests skip with their message when built out of tree.
    private static string? TryFindRepositoryRoot()
    {
        string? env = Environment.GetEnvironmentVariable("JORMUNGANDR_REPO");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "Jormungandr.sln")))
        {
            return env;
        }

        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Jormungandr.sln")))
            {
                return d.FullName;
            }
        }

        // Built with --artifacts-path outside the tree: fall back to the working directory's ancestors.
        for (DirectoryInfo? d = new(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Jormungandr.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
